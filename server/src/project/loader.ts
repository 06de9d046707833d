/**
 * A program: the entry script and the project modules it reaches through its imports, transitively,
 * breadth first, each file once (cycle-safe), at most `maxModules` files and `maxDepth` imports
 * deep. Each module is read through the view and summarised through the cache; one that is missing,
 * unreadable, too large, fails to parse or imports its importer back (a cycle) gets no summary and
 * says why. Nothing is executed.
 */
import * as path from 'path';
import type { ProjectView } from './fsview';
import { importsOf, importText, type ImportRef } from './imports';
import { resolveImport, searchRoots, type ModuleTarget } from './resolve';
import { SummaryCache } from './cache';
import type { ModuleSummary } from './summary';

const DEFAULT_MAX_MODULES = 200;
const DEFAULT_MAX_DEPTH = 16;

export type ModuleStatus = 'read' | 'missing' | 'unreadable' | 'too-large' | 'syntax-error' | 'circular' | 'not-followed';

export interface ProgramModule {
  /** Absolute path (for a missing relative import: where it was looked for). */
  file: string;
  /** The import that first reached it, as written, and the file it is in. */
  via: { file: string; line: number; statement: string };
  /** Imports between the entry and this module (1 = imported by the entry). */
  depth: number;
  status: ModuleStatus;
  /** Why it has no summary (null when read). */
  reason: string | null;
  summary: ModuleSummary | null;
}

/** One import of a file of the program, resolved: where its module is in the project (or that it is missing there). */
export interface LinkedImport {
  ref: ImportRef;
  /** 'missing': an import of the project (relative, or under a project package) whose module is not there. */
  status: 'project' | 'missing';
  /** The module named after `import` / `from` (null when missing). */
  target: ModuleTarget | null;
  /** For `from pkg import y`: the names that are submodules of `pkg`. */
  submodules: ReadonlyMap<string, ModuleTarget>;
}

export interface Program {
  entry: string;
  roots: string[];
  /** The entry's own summary (null when the entry cannot be read or parsed, or when the caller gave `entryImports`). */
  entrySummary: ModuleSummary | null;
  /** The entry's imports (its summary's, or those the caller gave). */
  entryImports: ImportRef[];
  /** Modules in the order they were reached (breadth first). */
  modules: ProgramModule[];
  /** How many imports of each file led to project files, and how many not (external or missing). */
  stats: { imports: number; project: number; external: number; missing: number };
  /** Some modules were not followed: the bounds were reached. */
  truncated: boolean;
  /**
   * The imports of the entry and of every module read that lead into the project, by importing file
   * (imports of libraries are not listed): what `ProjectFacts` (facts.ts) follows a name through.
   */
  links: Map<string, LinkedImport[]>;
}

interface LoadOptions {
  workspaceRoot?: string | null;
  maxModules?: number;
  maxDepth?: number;
  cache?: SummaryCache;
  /** The entry's text when it is not the view's (stdin, an unsaved buffer not in the view). */
  entryText?: string;
  /**
   * The entry's imports, read by the caller from the model it already built (`importsOf`): the entry
   * is then neither read nor summarised again (a check of one file parses it once).
   */
  entryImports?: ImportRef[];
}

interface SlicedLoadOptions extends LoadOptions {
  /** Asked after every pause: true abandons the load (its result is no longer wanted). */
  isStale?: () => boolean;
  /** How the event loop is given its turn. */
  pause: () => Promise<void>;
  /** A pause once this much time has passed since the last one (ms); default 8. */
  sliceMs?: number;
  now?: () => number;
}

/** Loads the program started from `entry`. Never throws. */
export function loadProgram(view: ProjectView, entry: string, opts: LoadOptions = {}): Program {
  const steps = loadSteps(view, entry, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `loadProgram` in slices, for the language server: the same modules in the same order, with a
 * pause between two modules once a slice has lasted `sliceMs` (one module is read and summarised
 * whole: a slice lasts at least one). Null when `isStale()` abandoned it; what was summarised until
 * then stays in the cache.
 */
export async function loadProgramSliced(view: ProjectView, entry: string, opts: SlicedLoadOptions): Promise<Program | null> {
  const now = opts.now ?? (() => performance.now());
  const sliceMs = opts.sliceMs ?? 8;
  const steps = loadSteps(view, entry, opts);
  let start = now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (now() - start < sliceMs) continue;
    await opts.pause();
    if (opts.isStale?.()) return null;
    start = now();
  }
}

/** The load, yielding after each module read (a point where a sliced load may pause). */
function* loadSteps(view: ProjectView, entry: string, opts: LoadOptions): Generator<void, Program, void> {
  const cache = opts.cache ?? new SummaryCache();
  const maxModules = opts.maxModules ?? DEFAULT_MAX_MODULES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const abs = path.resolve(entry);
  const roots = searchRoots(view, abs, opts.workspaceRoot ?? null);
  const program: Program = { entry: abs, roots, entrySummary: null, entryImports: [], modules: [], stats: { imports: 0, project: 0, external: 0, missing: 0 }, truncated: false, links: new Map() };
  if (opts.entryImports) program.entryImports = opts.entryImports;
  else {
    const entryText = opts.entryText ?? view.read(abs).text;
    if (entryText === null) return program;
    const entryResult = cache.summarize(entryText);
    if (entryResult.status !== 'ok') return program;
    program.entrySummary = entryResult.summary;
    program.entryImports = entryResult.summary.imports;
  }

  const byFile = new Map<string, ProgramModule>();
  /** Imports of each read module, to find cycles once all are read. */
  const edges = new Map<string, Set<string>>();
  const queue: { file: string; imports: ImportRef[]; depth: number }[] = [{ file: abs, imports: program.entryImports, depth: 0 }];
  edges.set(abs, new Set());
  while (queue.length) {
    const { file, imports, depth } = queue.shift()!;
    for (const ref of imports) {
      program.stats.imports++;
      const r = resolveImport(view, file, ref, roots);
      if (r.status === 'external') {
        program.stats.external++;
        continue;
      }
      const via = { file, line: ref.line, statement: importText(ref) };
      const linked = program.links.get(file) ?? [];
      program.links.set(file, linked);
      linked.push(r.status === 'missing' ? { ref, status: 'missing', target: null, submodules: new Map() } : { ref, status: 'project', target: r.target, submodules: r.submodules });
      if (r.status === 'missing') {
        program.stats.missing++;
        const where = expectedFile(file, ref);
        if (!byFile.has(where)) {
          const m: ProgramModule = { file: where, via, depth: depth + 1, status: 'missing', reason: r.reason, summary: null };
          byFile.set(where, m);
          program.modules.push(m);
        }
        continue;
      }
      program.stats.project++;
      for (const target of r.files) {
        // an import inside a function runs when it is called, after both modules are loaded: no cycle
        if (!ref.inFunction) edges.get(file)?.add(target);
        if (target === abs || byFile.has(target)) continue;
        if (program.modules.length >= maxModules || depth + 1 > maxDepth) {
          program.truncated = true;
          const m: ProgramModule = { file: target, via, depth: depth + 1, status: 'not-followed', reason: `not followed: more than ${program.modules.length >= maxModules ? `${maxModules} modules` : `${maxDepth} imports deep`}`, summary: null };
          byFile.set(target, m);
          program.modules.push(m);
          continue;
        }
        const m = readModule(view, cache, target, via, depth + 1);
        byFile.set(target, m);
        program.modules.push(m);
        if (m.summary) {
          edges.set(target, new Set());
          queue.push({ file: target, imports: m.summary.imports, depth: depth + 1 });
        }
        yield;
      }
    }
  }
  // a module on an import cycle (it imports, directly or not, a module that imports it) runs half
  // initialised in Python: what it binds depends on who was imported first, so it gets no summary
  for (const file of onCycles(edges)) {
    const m = byFile.get(file);
    if (!m || !m.summary) continue;
    m.status = 'circular';
    m.reason = 'it is part of an import cycle';
    m.summary = null;
  }
  return program;
}

/** Where a relative import that is not there was looked for: `from .x.y import z` in `pkg/a.py` -> `pkg/x/y.py`. */
function expectedFile(file: string, ref: ImportRef): string {
  let base = path.dirname(file);
  for (let i = 1; i < ref.level; i++) base = path.dirname(base);
  const parts = ref.module ? ref.module.split('.') : ref.names.length ? [ref.names[0].name] : [];
  return parts.length ? path.join(base, ...parts) + '.py' : path.join(base, '__init__.py');
}

function readModule(view: ProjectView, cache: SummaryCache, file: string, via: ProgramModule['via'], depth: number): ProgramModule {
  const read = view.read(file);
  if (read.text === null) {
    if (read.missing) return { file, via, depth, status: 'missing', reason: 'the file is missing', summary: null };
    const tooLarge = /too large/.test(read.error ?? '');
    return { file, via, depth, status: tooLarge ? 'too-large' : 'unreadable', reason: read.error ?? 'cannot read it', summary: null };
  }
  const r = cache.summarize(read.text);
  if (r.status === 'ok') return { file, via, depth, status: 'read', reason: null, summary: r.summary };
  return { file, via, depth, status: r.status, reason: r.reason, summary: null };
}

/** Files on a cycle of the import graph (Tarjan's strongly connected components, iterative). */
export function onCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const out = new Set<string>();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { v: string; it: Iterator<string> }[] = [];
    const open = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      work.push({ v, it: (edges.get(v) ?? new Set<string>()).values() });
    };
    open(start);
    while (work.length) {
      const top = work[work.length - 1];
      const n = top.it.next();
      if (!n.done) {
        const w = n.value;
        if (!edges.has(w)) continue;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        if (comp.length > 1 || edges.get(top.v)?.has(top.v)) for (const c of comp) out.add(c);
      }
    }
  }
  return out;
}
