/**
 * Grammar loading and parsing. The tree-sitter runtime and the Python grammar are WebAssembly files
 * shipped inside the extension (copied beside the bundles by the build), so nothing native is rebuilt
 * for Electron and nothing is downloaded at run time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Parser, Language, Query, Tree, Node, Edit } from 'web-tree-sitter';
import { MAX_BLOCK_DEPTH, tooDeeplyNested } from './limits';
import { installNodeCache } from './node-cache';

// every node fact crossing into WebAssembly is asked once (see node-cache.ts)
installNodeCache();

export type { Tree, Node, Edit };

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
      await Parser.init({ locateFile: () => runtime });
      const lang = await Language.load(fs.readFileSync(locate(PYTHON_WASM, wasmDir)));
      language = lang;
      return lang;
    })();
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

const queries = new Map<string, Query>();

/** A compiled tree-sitter query (cached): matching runs inside WebAssembly, only captures cross into JS. */
export function compiledQuery(source: string): Query {
  if (!language) throw new Error('Train Guard: query used before initParser() finished');
  let q = queries.get(source);
  if (!q) {
    q = new Query(language, source);
    queries.set(source, q);
  }
  return q;
}

export function isParserReady(): boolean {
  return language !== undefined;
}

/**
 * Parses `text`; with `oldTree` (already `.edit()`-ed) tree-sitter reuses the unchanged parts.
 * Refuses (throws) text nested `MAX_BLOCK_DEPTH` blocks deep or more: not Python, and past a few
 * hundred levels the WebAssembly parser overruns its memory and is broken for every later parse.
 * Callers check `limitExceeded` / `tooDeeplyNested` first; this is the last line of defence.
 */
export function parsePython(text: string, oldTree?: Tree | null): Tree {
  if (!language) throw new Error('Train Guard: parser used before initParser() finished');
  const deep = tooDeeplyNested(text);
  if (deep) throw new Error(`Train Guard: not parsed: blocks nested ${MAX_BLOCK_DEPTH} or more levels deep (line ${deep})`);
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(language);
  }
  const tree = sharedParser.parse(text, oldTree ?? null);
  if (!tree) throw new Error('Train Guard: tree-sitter returned no tree');
  return tree;
}

/** True when the tree has a syntax error anywhere (ERROR or MISSING nodes). */
export function hasSyntaxError(tree: Tree): boolean {
  return tree.rootNode.hasError;
}
