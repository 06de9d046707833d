/**
 * Notebooks in the analysis core: IPython masking, the cell <-> program map (both ways), fix edits
 * mapped back to one cell, `.ipynb` reading and byte-preserving writing, and fix-all over cells.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { maskIPython, NotebookProgram, type CellInput } from '../../server/src/analysis/notebook';
import { cellOffsetInFile, parseIpynb, writeIpynb, splitSourceLines, type Ipynb } from '../../server/src/analysis/ipynb';
import { analyzeText } from '../../server/src/analysis/analyze';
import { initParser } from '../../server/src/analysis/parser';
import { applyEdits } from '../../server/src/analysis/source';
import { fixNotebook } from '../../server/src/fixes/notebook';
import { fixAll } from '../../server/src/fixes/apply';
import { ROOT } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'notebooks');

function load(name: string): Ipynb {
  const nb = parseIpynb(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  if ('error' in nb) throw new Error(nb.error);
  return nb;
}

const code = (text: string): CellInput => ({ kind: 'code', text });
const md = (text: string): CellInput => ({ kind: 'markdown', text });

describe('notebooks: IPython masking', () => {
  it('turns magics, shell escapes and help lines into same-length comments', () => {
    const text = '%matplotlib inline\n!pip install timm\nfiles = !ls -la\nx = 1\n  %time f()\nmodel?\n??model\nout = %who_ls\n';
    const m = maskIPython(text);
    assert.strictEqual(m.text.length, text.length);
    assert.deepStrictEqual(m.text.split('\n'), ['#matplotlib inline', '#pip install timm', '#iles = !ls -la', 'x = 1', '  #time f()', '#odel?', '#?model', '#ut = %who_ls', '']);
    assert.deepStrictEqual(m.shellCommands, ['pip install timm', 'ls -la']);
    assert.strictEqual(m.masked.length, 7);
    for (const s of m.masked) assert.strictEqual(m.text[s.start], '#');
  });

  it('leaves % and ! alone inside brackets, strings and continuations', () => {
    const text = 'x = (a\n% b)\ny = """\n!not shell\n%not magic\n"""\nz = a \\\n    % 3\nw = [1,\n!= 2]\n';
    assert.strictEqual(maskIPython(text).text, text);
  });

  it('masks a whole %%bash cell and keeps the Python body of %%time', () => {
    const bash = maskIPython('%%bash\nnvidia-smi\n\nls -la');
    assert.strictEqual(bash.text, '#%bash\n#vidia-smi\n\n#s -la');
    assert.deepStrictEqual(bash.shellCommands, ['nvidia-smi', 'ls -la']);
    const timed = maskIPython('%%time\nfor i in range(3):\n    print(i)');
    assert.strictEqual(timed.text, '#%time\nfor i in range(3):\n    print(i)');
  });
});

describe('notebooks: cells <-> one program', () => {
  const cells: CellInput[] = [md('# title\nfor x in ('), code('import torch\nmodel = torch.nn.Linear(2, 2)'), { kind: 'raw', text: 'raw (' }, code('!nvidia-smi\nx = 1\n'), code(''), code('y = model(x)')];
  const p = NotebookProgram.fromCells(cells);

  it('concatenates the Python code cells in order, markdown and raw left out', () => {
    assert.strictEqual(p.text, 'import torch\nmodel = torch.nn.Linear(2, 2)\n#nvidia-smi\nx = 1\n\ny = model(x)\n');
    assert.deepStrictEqual(p.segments.map((s) => [s.cell, s.startLine, s.lineCount]), [[1, 0, 2], [3, 2, 2], [4, 4, 1], [5, 5, 1]]);
    assert.deepStrictEqual(p.shellCommands, ['nvidia-smi']);
  });

  it('maps every program line to its cell and back', () => {
    const lines = p.text.split('\n').slice(0, -1);
    lines.forEach((_, line) => {
      const c = p.toCell({ line, character: 0 })!;
      assert.ok(c, `line ${line}`);
      assert.deepStrictEqual(p.fromCell(c.cell, c.position), { line, character: 0 });
    });
    assert.deepStrictEqual(p.toCell({ line: 3, character: 4 }), { cell: 3, position: { line: 1, character: 4 } });
    assert.deepStrictEqual(p.toCell({ line: 5, character: 4 }), { cell: 5, position: { line: 0, character: 4 } });
    assert.strictEqual(p.fromCell(0, { line: 0, character: 0 }), null, 'a markdown cell is not in the program');
    // a range ending past its cell is clamped to the cell's end
    assert.deepStrictEqual(p.rangeToCell({ start: { line: 1, character: 0 }, end: { line: 3, character: 2 } }), { cell: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 29 } } });
  });

  it('maps a fix inside one cell back to that cell, exactly', () => {
    const m = p.editsToCell([{ range: { start: { line: 1, character: 8 }, end: { line: 1, character: 13 } }, newText: 'TORCH' }]);
    assert.ok(!('error' in m));
    assert.strictEqual(m.cell, 1);
    assert.deepStrictEqual(m.edits, [{ range: { start: { line: 1, character: 8 }, end: { line: 1, character: 13 } }, newText: 'TORCH' }]);
    assert.strictEqual(m.text, 'import torch\nmodel = TORCH.nn.Linear(2, 2)');
  });

  it('groups a fix\'s edits by cell when each edit fits one cell; refuses an edit across cells or on IPython text', () => {
    const two = p.editsToCells([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, newText: 'I' }, { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 1 } }, newText: 'Y' }]);
    assert.ok(!('error' in two));
    assert.deepStrictEqual(two.map((c) => [c.cell, c.text]), [[1, 'Import torch\nmodel = torch.nn.Linear(2, 2)'], [5, 'Y = model(x)']]);
    assert.deepStrictEqual(p.editsToCells([{ range: { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } }, newText: '' }]), { error: 'spans-cells' });
    assert.deepStrictEqual(p.editsToCells([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, newText: 'I' }, { range: { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } }, newText: 'x' }]), { error: 'touches-ipython' });
  });

  it('refuses edits spanning two cells or touching an IPython line', () => {
    assert.deepStrictEqual(p.editsToCell([{ range: { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } }, newText: '' }]), { error: 'spans-cells' });
    assert.deepStrictEqual(p.editsToCell([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, newText: 'I' }, { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 1 } }, newText: 'Y' }]), { error: 'spans-cells' });
    assert.deepStrictEqual(p.editsToCell([{ range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: '' }]), { error: 'touches-ipython' });
    assert.deepStrictEqual(p.editsToCell([{ range: { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } }, newText: 'x' }]), { error: 'touches-ipython' });
  });

  it('puts whole lines inserted at a cell boundary at the end of the earlier cell, keeping its missing final newline', () => {
    // program line 2 is where cell 3 starts; cell 1 has no final newline
    const m = p.editsToCell([{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, newText: '    pass\n' }]);
    assert.ok(!('error' in m));
    assert.strictEqual(m.cell, 1);
    assert.strictEqual(m.text, 'import torch\nmodel = torch.nn.Linear(2, 2)\n    pass');
    assert.strictEqual(applyEdits(cells[1].text, m.edits), m.text);
    // ... unless the fix's other edits are in the later cell
    const later = p.editsToCell([
      { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, newText: 'z = 0\n' },
      { range: { start: { line: 5, character: 4 }, end: { line: 5, character: 9 } }, newText: 'other' },
    ]);
    assert.ok(!('error' in later));
    assert.strictEqual(later.cell, 5);
    assert.strictEqual(later.text, 'z = 0\ny = other(x)');
    // an indented insertion there belongs to the earlier cell's block: with an edit in the later cell, refused
    assert.deepStrictEqual(
      p.editsToCell([
        { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, newText: '    z = 0\n' },
        { range: { start: { line: 5, character: 4 }, end: { line: 5, character: 9 } }, newText: 'other' },
      ]),
      { error: 'spans-cells' },
    );
    // text that does not end a line prefixes the next cell's first line
    const prefix = p.editsToCell([{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, newText: 'print(1); ' }]);
    assert.ok(!('error' in prefix));
    assert.strictEqual(prefix.cell, 5);
  });

  it('deleting the last line of a cell with no final newline keeps the cell without one', () => {
    const m = p.editsToCell([{ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, newText: '' }]);
    assert.ok(!('error' in m));
    assert.strictEqual(m.text, 'import torch');
    assert.strictEqual(applyEdits(cells[1].text, m.edits), m.text);
  });
});

describe('notebooks: analysis as one program', () => {
  before(() => initParser());

  it('a model defined in one cell and trained in another is one model: findings land on the right cells', () => {
    const nb = load('kaggle-flow.ipynb');
    const p = NotebookProgram.fromCells(nb.cells);
    const r = analyzeText(p.text, { shellCommands: p.shellCommands });
    const where = r.findings.map((f) => {
      const c = p.rangeToCell(f.range)!;
      return `${f.code}@${c.cell + 1}:${c.range.start.line + 1}`;
    });
    // TG203: the epoch loop (cell 9), its batch loop being in a helper; TG304: the deprecated calls `autocast()` (cell 5) and `GradScaler()` (cell 8), not their import in cell 2;
    // TG222: pretrained weights downloaded in cell 8; TG205: the criterion (cell 8) of a loop that never
    // compares its loss with the random baseline
    assert.deepStrictEqual(where.sort(), ['TG203@9:2', 'TG205@8:2', 'TG211@9:2', 'TG222@8:1', 'TG303@5:10', 'TG304@5:8', 'TG304@8:4', 'TG701@9:8']);
    // the lines really are those cells' lines
    const tg303 = r.findings.find((f) => f.code === 'TG303')!;
    const c = p.rangeToCell(tg303.range)!;
    assert.ok(nb.cells[c.cell].text.split('\n')[c.range.start.line].includes('loss = criterion(logits, labels)'));
  });

  it('`!nvidia-smi` in a cell is a GPU-memory report (TG203 silent); the same notebook without it is not', () => {
    const nb = load('gpu-shell.ipynb');
    const p = NotebookProgram.fromCells(nb.cells);
    assert.ok(!analyzeText(p.text, { shellCommands: p.shellCommands }).findings.some((f) => f.code === 'TG203'));
    assert.ok(analyzeText(p.text).findings.some((f) => f.code === 'TG203'), 'the masked line itself is no report');
    assert.ok(!analyzeText(p.text).syntaxError, 'magics, shell lines, %%bash and %%time cells parse once masked');
  });
});

describe('notebooks: .ipynb files', () => {
  before(() => initParser());

  it('reads list and string sources, cell kinds and a cell language', () => {
    const nb = load('string-sources.ipynb');
    assert.deepStrictEqual(nb.cells.map((c) => [c.kind, c.form, c.language ?? null]), [['markdown', 'list', null], ['code', 'string', null], ['code', 'string', null], ['code', 'string', 'sql'], ['code', 'string', null]]);
    assert.strictEqual(NotebookProgram.fromCells(nb.cells).segments.length, 3, 'the SQL cell is not Python');
    const flow = load('kaggle-flow.ipynb');
    assert.strictEqual(flow.cells[1].form, 'list');
    assert.ok(flow.cells[1].text.startsWith('%matplotlib inline\n!pip install -q timm\nimport os\n'));
  });

  it('gives one clear error for broken notebooks', () => {
    const err = (name: string) => (parseIpynb(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as { error: string }).error;
    assert.match(err('broken-json.ipynb'), /^not valid JSON \(line 5, column \d+: unexpected end of file/);
    assert.match(err('no-cells.ipynb'), /no "cells" list/);
    assert.match(err('bad-source.ipynb'), /cell 1: "source" is neither a string nor a list of strings/);
    assert.match((parseIpynb('{"nbformat": 3, "worksheets": []}') as { error: string }).error, /nbformat 3 .* not supported/);
    assert.match((parseIpynb('[1, 2]') as { error: string }).error, /not a JSON object/);
    assert.match((parseIpynb('{"cells": [{"cell_type": "code", "source": ["a", 1]}]}') as { error: string }).error, /cell 1: "source"/);
  });

  it('the span parser agrees with JSON.parse, duplicate keys and escapes included', () => {
    const text = '{"cells": [], "cells": [{"cell_type": "code", "source": "a\\u00e9\\n\\"b\\"\\ud83d\\ude00"}], "x": [1.5e3, true, null, -0]}';
    const nb = parseIpynb(text) as Ipynb;
    assert.strictEqual(nb.cells[0].text, (JSON.parse(text) as { cells: { source: string }[] }).cells[0].source);
  });

  it('finds where each character of a cell is written in the file (escapes count as the character they stand for)', () => {
    const escaped = parseIpynb('{"cells": [{"cell_type": "code", "source": ["a\\u00e9\\n", "\\"b\\"\\ud83d\\ude00"]}, {"cell_type": "code", "source": "x\\ty"}, {"cell_type": "code", "source": []}]}') as Ipynb;
    for (const nb of [escaped, ...['kaggle-flow.ipynb', 'string-sources.ipynb', 'gpu-shell.ipynb'].map(load)]) {
      for (const cell of nb.cells) {
        for (let k = 0; k < cell.text.length; k++) {
          const from = cellOffsetInFile(nb, cell, k);
          const to = cellOffsetInFile(nb, cell, k + 1);
          // the file text between two neighbours decodes to the cell's character (a list element's end: up to its quote)
          const raw = nb.text.slice(from, to).replace(/",\s*"$/, '');
          assert.strictEqual(JSON.parse(`"${raw}"`), cell.text[k], `offset ${k} of ${JSON.stringify(cell.text)}`);
        }
      }
    }
    const empty = escaped.cells[2];
    assert.strictEqual(escaped.text[cellOffsetInFile(escaped, empty, 0)], '[');
  });

  it('writes back only the changed sources: every other byte is kept', () => {
    for (const name of ['kaggle-flow.ipynb', 'string-sources.ipynb', 'gpu-shell.ipynb']) {
      const nb = load(name);
      assert.strictEqual(writeIpynb(nb, new Map()), nb.text);
      assert.strictEqual(writeIpynb(nb, new Map(nb.cells.map((c, i) => [i, c.text]))), nb.text, 'unchanged texts are not rewritten');
      const index = nb.cells.findIndex((c) => c.kind === 'code');
      const edited = nb.cells[index].text.replace('import os', 'import os  # é')  + '\nprint("done")\n';
      const out = writeIpynb(nb, new Map([[index, edited]]));
      const span = nb.cells[index].source;
      assert.strictEqual(out.slice(0, span.start), nb.text.slice(0, span.start));
      const tail = nb.text.length - span.end;
      assert.strictEqual(out.slice(out.length - tail), nb.text.slice(span.end));
      const again = parseIpynb(out) as Ipynb;
      assert.strictEqual(again.cells[index].text, edited);
      assert.strictEqual(again.cells[index].form, nb.cells[index].form);
      assert.deepStrictEqual(JSON.parse(out).cells[index].outputs, JSON.parse(nb.text).cells[index].outputs);
    }
  });

  it('a list source is rewritten with the file indentation, unchanged lines keeping their bytes; ASCII-only files stay ASCII', () => {
    const nb = load('kaggle-flow.ipynb');
    const out = writeIpynb(nb, new Map([[2, nb.cells[2].text.replace('EPOCHS = 8', 'EPOCHS = 9')]]));
    assert.match(out, /\n {3}"source": \[\n {4}"DATA_DIR = \\"\/kaggle\/input\/leaf-classification\\"\\n",\n/);
    assert.match(out, /\n {4}"EPOCHS = 9\\n",\n/);
    const ascii = load('string-sources.ipynb');
    const written = writeIpynb(ascii, new Map([[1, ascii.cells[1].text + 'print("é")\n']]));
    assert.ok(!/[^\x00-\x7f]/.test(written), 'new non-ASCII text escaped like the rest of the file');
    assert.ok(written.includes('print(\\"\\u00e9\\")'));
    assert.deepStrictEqual(splitSourceLines('a\nb\r\nc'), ['a\n', 'b\r\n', 'c']);
  });

  it('fix-all over cells: every fix lands in its own cell and the result is clean of fixable findings', () => {
    const nb = load('kaggle-flow.ipynb');
    const r = fixNotebook(nb.cells);
    // TG304's fixes, one per call: autocast() (cell 5), GradScaler() (cell 8); the last of them also
    // removes the import both read (cell 2), now unused
    assert.deepStrictEqual([...r.changed.keys()].sort(), [1, 4, 7, 8]);
    assert.deepStrictEqual([...r.applied.keys()].sort(), ['TG203', 'TG211', 'TG303', 'TG304', 'TG701']);
    assert.strictEqual(r.applied.get('TG304'), 2);
    assert.ok(!r.cells[1].text.includes('torch.cuda.amp') && r.cells[1].text.includes('import torch.nn as nn\nfrom torch.utils.data import DataLoader\n'), r.cells[1].text);
    assert.ok(r.cells[4].text.includes('with torch.amp.autocast("cuda"):'));
    assert.ok(r.cells[7].text.includes('scaler = torch.amp.GradScaler("cuda")\nmodel?'));
    const p = NotebookProgram.fromCells(r.cells);
    const left = analyzeText(p.text, { shellCommands: p.shellCommands });
    assert.ok(!left.syntaxError);
    assert.deepStrictEqual(left.findings.filter((f) => f.fix), []);
    // markdown, raw and the magic lines are untouched
    for (const i of [0, 3, 5]) assert.strictEqual(r.cells[i].text, nb.cells[i].text);
    assert.ok(r.cells[1].text.startsWith('%matplotlib inline\n!pip install -q timm\n'));
  });
});

describe('notebooks: the same findings and fixes as the equivalent script', () => {
  before(() => initParser());

  /**
   * The script a user would write from the notebook: its code cells in order, magic and shell lines
   * dropped, a `%%bash`-like cell dropped whole, a `%%time` cell kept without its magic line.
   */
  function equivalentScript(cells: readonly CellInput[]): string {
    return cells
      .filter((c) => c.kind === 'code' && !/^%%(?!time\b|timeit\b|capture\b)/.test(c.text))
      .map((c) => c.text.replace(/^%%\w+[^\n]*\n?/, '').split('\n').filter((l) => !/^\s*(?:\w+\s*=\s*)?[%!]/.test(l) && !/^\s*\S+\?$/.test(l)).join('\n'))
      .map((t) => (t.endsWith('\n') ? t : `${t}\n`))
      .join('');
  }

  /** Findings as code + the trimmed text of the line they start on: comparable across the two layouts. */
  function findingsByLine(text: string, findings: readonly { code: string; range: { start: { line: number } } }[]): string[] {
    const lines = text.split('\n');
    return findings.map((f) => `${f.code} ${lines[f.range.start.line].trim()}`).sort();
  }

  for (const name of ['kaggle-flow.ipynb', 'gpu-shell.ipynb']) {
    it(`${name}: same findings on the same lines, and fix-all gives the same code`, () => {
      const nb = load(name);
      const program = NotebookProgram.fromCells(nb.cells);
      const fromNotebook = analyzeText(program.text, { shellCommands: program.shellCommands });
      const script = equivalentScript(nb.cells);
      const fromScript = analyzeText(script, { shellCommands: program.shellCommands });
      assert.ok(fromNotebook.findings.length > 0, 'the fixture should have findings');
      assert.deepStrictEqual(findingsByLine(program.text, fromNotebook.findings), findingsByLine(script, fromScript.findings));

      const fixedNotebook = fixNotebook(nb.cells, { shellCommands: program.shellCommands });
      const fixedScript = fixAll(script, { shellCommands: program.shellCommands });
      assert.deepStrictEqual([...fixedNotebook.applied].sort(), [...fixedScript.applied].sort(), 'the same fixes are applied');
      assert.strictEqual(equivalentScript(fixedNotebook.cells), fixedScript.text, 'the fixed notebook is the fixed script, cell by cell');
    });
  }
});
