/**
 * Grammar loading and parsing. The tree-sitter runtime and the Python grammar are WebAssembly files
 * shipped inside the extension (copied beside the bundles by the build), so nothing native is rebuilt
 * for Electron and nothing is downloaded at run time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Tree, Edit, type Node as RawNode } from 'web-tree-sitter';
import { MAX_BLOCK_DEPTH, tooDeeplyNested } from './limits';
import { useCursorExports, type CursorExports, type SyntaxNode } from './syntax';

/** A node of the analysed tree (see syntax.ts); web-tree-sitter's own nodes are `RawNode`. */
export type Node = SyntaxNode;
export type { Tree, Edit, RawNode };

const RUNTIME_WASM = 'web-tree-sitter.wasm';
const PYTHON_WASM = 'tree-sitter-python.wasm';

let language: Language | undefined;
let loading: Promise<Language> | undefined;
let sharedParser: Parser | undefined;

/** Folders searched for the two `.wasm` files, first match wins. */
function candidateDirs(extra?: string): string[] {
  const dirs: string[] = [];
  if (extra) dirs.push(extra);
  if (process.env.TRAINGUARD_WASM_DIR) dirs.push(process.env.TRAINGUARD_WASM_DIR);
  dirs.push(__dirname, path.join(__dirname, '..'), path.join(__dirname, '..', 'dist'));
  for (const mod of ['web-tree-sitter', 'tree-sitter-python/package.json']) {
    try {
      dirs.push(path.dirname(require.resolve(mod)));
    } catch {
      /* not installed next to us: the bundled layout is used */
    }
  }
  return dirs;
}

function locate(file: string, extra?: string): string {
  for (const dir of candidateDirs(extra)) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`Train Guard: cannot find ${file} (looked in ${candidateDirs(extra).join(', ')})`);
}

/** Loads the runtime and the Python grammar once; later calls return the same language. */
export function initParser(wasmDir?: string): Promise<Language> {
  if (language) return Promise.resolve(language);
  if (!loading) {
    loading = (async () => {
      const runtime = locate(RUNTIME_WASM, wasmDir);
      // the runtime is created on this object and its exports are put on it: the syntax tree's
      // walk calls the cursor functions directly (syntax.ts)
      const moduleObject: { locateFile: () => string } & Partial<CursorExports> = { locateFile: () => runtime };
      await Parser.init(moduleObject);
      useCursorExports(moduleObject);
      const lang = await Language.load(fs.readFileSync(locate(PYTHON_WASM, wasmDir)));
      language = lang;
      return lang;
    })();
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

export function isParserReady(): boolean {
  return language !== undefined;
}

/**
 * Parses `text`; with `oldTree` (already `.edit()`-ed) tree-sitter reuses the unchanged parts.
 * A lone "\r" is a line break to Python (and to the LSP and `SourceText`) but white space to
 * tree-sitter, which counts rows at "\n" only: the parser is handed the text with each lone "\r"
 * read as "\n" (`parserInput`), so the tree's statements, rows and columns are the ones Python and
 * every edit position see, and every offset stays the same.
 * Refuses (throws) text nested `MAX_BLOCK_DEPTH` blocks deep or more: not Python, and past a few
 * hundred levels the WebAssembly parser overruns its memory and is broken for every later parse.
 * Callers check `limitExceeded` / `tooDeeplyNested` first; this is the last line of defence.
 */
export function parsePython(text: string, oldTree?: Tree | null, nestingChecked = false): Tree {
  if (!language) throw new Error('Train Guard: parser used before initParser() finished');
  // `nestingChecked`: the caller has just run tooDeeplyNested on this very text (it reads every line)
  const deep = nestingChecked ? 0 : tooDeeplyNested(text);
  if (deep) throw new Error(`Train Guard: not parsed: blocks nested ${MAX_BLOCK_DEPTH} or more levels deep (line ${deep})`);
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(language);
  }
  const tree = sharedParser.parse(parserInput(text), oldTree ?? null);
  if (!tree) throw new Error('Train Guard: tree-sitter returned no tree');
  return tree;
}

/** `text` with each lone "\r" (not followed by "\n") replaced by "\n": the same length, Python's own line breaks. */
export function parserInput(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r(?!\n)/g, '\n');
}

/** True when the tree has a syntax error anywhere (ERROR or MISSING nodes). */
export function hasSyntaxError(tree: Tree): boolean {
  return tree.rootNode.hasError;
}
