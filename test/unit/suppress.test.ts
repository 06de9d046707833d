/**
 * Suppression edits (fixes/suppress.ts) and the line a noqa comment speaks for
 * (analysis/directives.ts `commentLineFor`): each edit is applied, then the file is analysed again
 * with a rule reporting on the same line: the finding must be gone, and the directive rules (TG001
 * unknown code, TG002 malformed directive) must have nothing to say about the comment written.
 */
import * as assert from 'assert';
import { analyzeText } from '../../server/src/analysis/analyze';
import { applyEdits } from '../../server/src/analysis/source';
import { suppressFileEdit, suppressLineEdit } from '../../server/src/fixes/suppress';
import { RULES_BY_CODE } from '../../server/src/rules/index';
import type { Rule } from '../../server/src/rules/types';
import { ready, pythonSyntaxError } from './helpers';

/** A stand-in for TG303 that reports every line containing "loss =" (column of the match). */
const lossRule: Rule = {
  meta: { code: 'TG303', name: 'test', severity: 'error', section: 'test', summary: 'test', fixable: false },
  check(ctx) {
    const src = ctx.model.source;
    for (let line = 0; line < src.lineCount; line++) {
      const i = src.lineText(line).indexOf('loss =');
      if (i >= 0) ctx.report({ range: { start: { line, character: i }, end: { line, character: i + 4 } }, message: 'loss' });
    }
  },
};
const RULES = [lossRule, RULES_BY_CODE.get('TG001')!, RULES_BY_CODE.get('TG002')!];

function analyse(text: string) {
  const r = analyzeText(text, { rules: RULES, keepModel: true });
  return { ...r, done: () => r.model.tree.delete() };
}

function suppressLine(text: string, line: number, code = 'TG303'): string | null {
  const a = analyse(text);
  try {
    const text0 = a.model.source.lineText(line);
    const e = suppressLineEdit(a.model, a.directives, { line, character: Math.max(0, text0.indexOf('loss =')) }, code);
    return e && applyEdits(text, [e]);
  } finally {
    a.done();
  }
}

function suppressFile(text: string, code = 'TG303'): string | null {
  const a = analyse(text);
  try {
    const e = suppressFileEdit(a.model, a.directives, code);
    return e && applyEdits(text, [e]);
  } finally {
    a.done();
  }
}

/** After the edit: no TG303 left, no directive problem, and python3 still parses the file. */
async function assertSuppressed(text: string): Promise<void> {
  const a = analyse(text);
  try {
    assert.deepStrictEqual(a.findings.map((f) => `${f.code}@${f.range.start.line + 1}`), [], text);
  } finally {
    a.done();
  }
  assert.strictEqual(await pythonSyntaxError(text), null, text);
}

describe('suppression edits', () => {
  before(ready);

  describe('on a line (# noqa)', () => {
    const cases: [string, string, number, string][] = [
      ['a line without a comment', 'x = 1\nloss = f(x)\n', 1, 'x = 1\nloss = f(x)  # noqa: TG303\n'],
      ['trailing white space is replaced', 'loss = f(x)   \n', 0, 'loss = f(x)  # noqa: TG303\n'],
      ['an existing noqa list is extended', 'loss = f(x)  # noqa: TG701\n', 0, 'loss = f(x)  # noqa: TG701, TG303\n'],
      ['another linter\'s noqa list is extended', 'loss = f(x)  # noqa: E501\n', 0, 'loss = f(x)  # noqa: E501, TG303\n'],
      ['an explanation after the noqa list stays', 'loss = f(x)  # noqa: TG701 -- known\n', 0, 'loss = f(x)  # noqa: TG701, TG303 -- known\n'],
      ['another comment stays first (type: ignore)', 'loss = f(x)  # type: ignore\n', 0, 'loss = f(x)  # type: ignore  # noqa: TG303\n'],
      ['an ignore[...] directive is extended', 'loss = f(x)  # trainguard: ignore[TG701]\n', 0, 'loss = f(x)  # trainguard: ignore[TG701, TG303]\n'],
      ['a trainguard: directive keeps the end of the comment', 'loss = f(x)  # trainguard: budget=30m\n', 0, 'loss = f(x)  # noqa: TG303  # trainguard: budget=30m\n'],
      ['CRLF file', 'x = 1\r\nloss = f(x)\r\ny = 2\r\n', 1, 'x = 1\r\nloss = f(x)  # noqa: TG303\r\ny = 2\r\n'],
      ['CRLF file, an existing comment', 'loss = f(x)  # type: ignore\r\ny = 2\r\n', 0, 'loss = f(x)  # type: ignore  # noqa: TG303\r\ny = 2\r\n'],
      ['CRLF file, an ignore[...] directive', 'loss = f(x)  # trainguard: ignore[TG701]\r\n', 0, 'loss = f(x)  # trainguard: ignore[TG701, TG303]\r\n'],
      ['no final newline', 'x = 1\nloss = f(x)', 1, 'x = 1\nloss = f(x)  # noqa: TG303'],
      ['tab-indented line', 'for b in d:\n\tloss = f(b)\n', 1, 'for b in d:\n\tloss = f(b)  # noqa: TG303\n'],
      ['a line ending inside a multi-line string: on the line that closes it', 'loss = f(x, """\ntext\n""")\n', 0, 'loss = f(x, """\ntext\n""")  # noqa: TG303\n'],
      ['a backslash continuation: on its last line', 'loss = a + \\\n    b + \\\n    c\n', 0, 'loss = a + \\\n    b + \\\n    c  # noqa: TG303\n'],
      ['a string that closes before the statement ends: on its last line', 'loss = f("""\n""",\n    y)\n', 0, 'loss = f("""\n""",\n    y)  # noqa: TG303\n'],
      ['a compound statement header: on the line of its colon', 'if loss == f("""\n"""):\n    pass\n', 0, 'if loss == f("""\n"""):  # noqa: TG303\n    pass\n'],
      ['a string then a continuation', 'loss = f("""\n""") + \\\n    g\n', 0, 'loss = f("""\n""") + \\\n    g  # noqa: TG303\n'],
      ['inside brackets a comment may end the line itself', 'loss = f(\n    x)\n', 0, 'loss = f(  # noqa: TG303\n    x)\n'],
      ['a backslash in a comment is no continuation', 'loss = f(x)  # a \\\ny = 1\n', 0, 'loss = f(x)  # a \\  # noqa: TG303\ny = 1\n'],
    ];
    for (const [name, before, line, after] of cases) {
      it(name, async () => {
        const got = suppressLine(before, line);
        assert.strictEqual(got, after);
        await assertSuppressed(got!);
      });
    }

    it('offers nothing where the code is already suppressed', () => {
      assert.strictEqual(suppressLine('loss = f(x)  # noqa\n', 0), null);
      assert.strictEqual(suppressLine('loss = f(x)  # noqa: TG303\n', 0), null);
      assert.strictEqual(suppressLine('loss = f(x)  # trainguard: ignore\n', 0), null);
      assert.strictEqual(suppressLine('loss = f("""\n""")  # noqa: TG303\n', 0), null);
    });

    it('a noqa on the closing line of a string covers the lines the string spans, and only those', () => {
      const a = analyse('loss = f("""\nloss = 2\n""")  # noqa: TG303\nloss = g(x)\n');
      try {
        assert.deepStrictEqual(a.findings.map((f) => f.range.start.line), [3]);
      } finally {
        a.done();
      }
    });
  });

  describe('in the file (# trainguard: ignore-file[...])', () => {
    const cases: [string, string, string][] = [
      ['at the top', 'loss = f(x)\n', '# trainguard: ignore-file[TG303]\nloss = f(x)\n'],
      ['after a shebang', '#!/usr/bin/env python\nloss = f(x)\n', '#!/usr/bin/env python\n# trainguard: ignore-file[TG303]\nloss = f(x)\n'],
      ['after a shebang and an encoding line', '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Doc."""\nloss = f(x)\n', '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# trainguard: ignore-file[TG303]\n"""Doc."""\nloss = f(x)\n'],
      ['after an encoding line', '# coding=utf-8\nloss = f(x)\n', '# coding=utf-8\n# trainguard: ignore-file[TG303]\nloss = f(x)\n'],
      ['merged into an existing directive', '"""Doc."""\n# trainguard: ignore-file[TG701]\nloss = f(x)\n', '"""Doc."""\n# trainguard: ignore-file[TG701, TG303]\nloss = f(x)\n'],
      ['CRLF file', '#!/usr/bin/env python\r\nloss = f(x)\r\n', '#!/usr/bin/env python\r\n# trainguard: ignore-file[TG303]\r\nloss = f(x)\r\n'],
      ['CRLF file, merged', '# trainguard: ignore-file[TG701]\r\nloss = f(x)\r\n', '# trainguard: ignore-file[TG701, TG303]\r\nloss = f(x)\r\n'],
    ];
    for (const [name, before, after] of cases) {
      it(name, async () => {
        const got = suppressFile(before);
        assert.strictEqual(got, after);
        await assertSuppressed(got!);
      });
    }

    it('offers nothing where the file already ignores the code', () => {
      assert.strictEqual(suppressFile('# trainguard: ignore-file\nloss = f(x)\n'), null);
      assert.strictEqual(suppressFile('# trainguard: ignore-file[TG303]\nloss = f(x)\n'), null);
    });
  });
});
