/**
 * TG313 long-sequence-length
 *
 * What it does: finds a text pipeline that pads or truncates sequences to more than 256 tokens:
 * Keras `TextVectorization(output_sequence_length=N)`, `pad_sequences(..., maxlen=N)`, a Hugging
 * Face tokenizer called with `max_length=N` (or `encode_plus` / `batch_encode_plus` / `encode`,
 * `from_pretrained(..., model_max_length=N)`), a `tokenizers` tokenizer's
 * `enable_truncation(max_length=N)` / `enable_padding(length=N)`. N is read through constants
 * and config classes (`MAX_LEN = 512`, `CFG.max_len`); the tokenizer is recognised by where it
 * comes from, not by its name.
 * Why it is bad: attention costs grow with the square of the length and padding to N costs every
 * batch N tokens; 512 instead of 256 is about 2-4x the time per epoch, often for texts much
 * shorter than N. Hints, section 3A: "Cap sequence length at 128/256 unless budget allows".
 * Example: `tokenizer(texts, truncation=True, max_length=512, padding="max_length")`.
 * Fix: none (the right length depends on the data): check the token-length distribution first.
 * Silent: lengths <= 256; lengths that are not constants the file shows (`args.max_len`);
 * `max_length` of anything that is not a tokenizer (`model.generate(max_length=512)`).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import { scalarConstant } from '../analysis/config-values';
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG313',
    name: 'long-sequence-length',
    severity: 'information',
    section: '3A. Fastai & Keras quick start options',
    summary: 'Sequences padded / truncated to more than 256 tokens',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    for (const c of m.calls) {
      const kw = lengthKeyword(m, c);
      if (!kw) continue;
      const value = c.keywords.get(kw)!;
      const n = scalarConstant(m, value);
      if (typeof n !== 'number' || n <= 256) continue;
      ctx.report({
        node: value.parent?.type === 'keyword_argument' ? value.parent : value,
        message: `Sequence length ${n} (> 256): attention cost grows with the square of the length and every batch pays for the padding; check the token-length distribution and cap at 128/256 unless the data needs more`,
      });
    }
  },
};

const TOKENIZER_METHODS = /^(encode|encode_plus|batch_encode_plus|__call__|pad|prepare_for_model)$/;

/** The keyword of `c` that sets a sequence length, if `c` is a call that has one. */
function lengthKeyword(m: PythonModel, c: CallSite): string | null {
  const q = c.qualified ?? '';
  const has = (k: string) => (c.keywords.has(k) ? k : null);
  if (/^keras\.layers\.(experimental\.preprocessing\.)?TextVectorization$/.test(q)) return has('output_sequence_length');
  if (/^keras\.(preprocessing\.sequence|utils)\.pad_sequences$/.test(q)) return has('maxlen');
  if (c.method === 'from_pretrained' && /^transformers\.\w*Tokenizer\w*\.from_pretrained$/.test(q)) return has('model_max_length');
  // a tokenizer instance: called (`tokenizer(...)`, `self.tokenizer(...)`), or one of its encoding methods
  if (isTokenizer(m, c.callee)) return has('max_length');
  if (c.method && c.receiver && TOKENIZER_METHODS.test(c.method) && isTokenizer(m, c.receiver)) return has('max_length');
  if (c.method && c.receiver && /^(enable_truncation|enable_padding)$/.test(c.method) && isTokenizer(m, c.receiver)) return has(c.method === 'enable_padding' ? 'length' : 'max_length');
  return null;
}

function isTokenizer(m: PythonModel, expr: Node): boolean {
  return m.originsOf(expr).some((o) => !!o.base && o.chain.length === 0 && (/^transformers\.\w*Tokenizer\w*(\.from_pretrained)?$/.test(o.base) || /^tokenizers\.(Tokenizer(\.from_\w+)?|\w+Tokenizer)$/.test(o.base)));
}
