/**
 * Hovers on Train Guard's comments: a code in `# noqa: TG303` / `# trainguard: ignore[TG303]` /
 * `ignore-file[...]` shows the rule (name, default severity, fixable, summary, docs link); elsewhere
 * on a `# trainguard:` directive or a `# noqa` the hover says what the directive does here.
 * Codes of other linters (`# noqa: E501`) get no hover: they are not ours to explain.
 */
import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import { parseDirectives, type Directives } from '../../analysis/directives';
import type { Comment } from '../../analysis/model';
import type { Position, Range } from '../../analysis/source';
import { RULES_BY_CODE } from '../../rules/index';
import { docsUrl } from '../../rules/types';
import type { ServerFeature } from '../context';

function contains(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

/** Markdown describing a rule code (or saying it is unknown). */
export function ruleHoverText(code: string): string | null {
  const rule = RULES_BY_CODE.get(code);
  if (!rule) {
    if (!/^TG\d+$/.test(code)) return null;
    return `**${code}**: no Train Guard rule has this code, so this suppresses nothing (TG001). Run \`trainguard rules\` for the list.`;
  }
  const m = rule.meta;
  return [`**${m.code}** \`${m.name}\` (${m.severity}${m.fixable ? ', quick fix available' : ''})`, '', m.summary, '', `[Documentation](${docsUrl(m.code)})`].join('\n');
}

function directiveHoverText(comment: Comment, d: Directives): string | null {
  const text = comment.text;
  const lines: string[] = [];
  const tg = /#\s*trainguard\s*:\s*([^#]*)/i.exec(text);
  if (tg) {
    const body = tg[1].trim();
    if (/^ignore-file\b/i.test(body)) {
      lines.push(d.fileAll ? '**Train Guard**: `ignore-file` turns every Train Guard rule off for this file.' : `**Train Guard**: \`ignore-file[...]\` turns these rules off for this file: ${[...(d.fileCodes ?? [])].join(', ') || 'none'}.`);
    } else if (/^ignore\b/i.test(body)) {
      lines.push('**Train Guard**: `ignore[...]` suppresses the listed codes (every code without a list) for findings that start on this line, or whose statement ends on it.');
    } else {
      lines.push('**Train Guard directive**: `budget=30m` (or `1.5h`) sets the time budget and `gpu=T4` the GPU for this file; they override the settings and pyproject.toml.');
      const set: string[] = [];
      if (d.budgetMinutes !== null) set.push(`budget ${d.budgetMinutes} min`);
      if (d.gpu !== null) set.push(`GPU ${d.gpu}`);
      if (set.length) lines.push('', `This file: ${set.join(', ')}.`);
    }
  }
  const noqa = /#\s*noqa\b(\s*:)?/i.exec(text);
  if (noqa && !lines.length) {
    lines.push(noqa[1] ? '**noqa**: suppresses the listed codes for findings that start on this line, or whose statement ends on it (hover a code for its rule).' : '**noqa**: suppresses every finding (Train Guard\'s and other linters\') that starts on this line, or whose statement ends on it.');
  }
  return lines.length ? lines.join('\n') : null;
}

/** The hover for a position in a file's comments, or null. Pure: used by the LSP and the tests. */
export function hoverAt(comments: readonly Comment[], pos: Position, directives = parseDirectives(comments)): Hover | null {
  const comment = comments.find((c) => c.line === pos.line && pos.character >= c.node.startPosition.column && pos.character <= c.node.endPosition.column);
  if (!comment) return null;
  const ranges = [...[...directives.lines.values()].flat().flatMap((s) => s.codeRanges), ...directives.fileRanges];
  const hit = ranges.find((r) => contains(r.range, pos));
  if (hit) {
    const value = ruleHoverText(hit.code);
    return value ? { contents: { kind: MarkupKind.Markdown, value }, range: hit.range } : null;
  }
  const value = directiveHoverText(comment, directives);
  if (!value) return null;
  const range = { start: { line: comment.line, character: comment.node.startPosition.column }, end: { line: comment.line, character: comment.node.endPosition.column } };
  return { contents: { kind: MarkupKind.Markdown, value }, range };
}

export const hover: ServerFeature = {
  name: 'hover',
  capabilities: () => ({ hoverProvider: true }),
  register(ctx) {
    ctx.connection.onHover(({ textDocument, position }) => {
      try {
        const cell = ctx.notebooks.notebookOf(textDocument.uri);
        if (cell) {
          // a cell: the program's comments, the position and the hover's range mapped
          const program = cell.nb.program;
          const at = program.fromCell(cell.index, position);
          const h = at && hoverAt(ctx.modelOf(cell.state).comments, at);
          if (!h) return null;
          const range = h.range && program.rangeToCell(h.range);
          return { ...h, range: range && range.cell === cell.index ? range.range : undefined };
        }
        const state = ctx.documents.get(textDocument.uri);
        if (!state || state.notebook) return null;
        return hoverAt(ctx.modelOf(state).comments, position);
      } catch (e) {
        ctx.error(`hover failed: ${(e as Error)?.stack ?? e}`);
        return null;
      }
    });
  },
};
