/**
 * What the checked file's imports of the project bring, read from a loaded Program (loader.ts): the
 * model asks it (model.ts: `importedFunction`, the `*` names) so that a rule does not need to know
 * whether a function is the file's own or another module's. Pure: the Program was read by the
 * caller (the CLI, the language server); nothing here touches a file.
 *
 * A name is followed the way Python binds it: `from engine import fit` -> engine.py's `fit`;
 * `import engine` + `engine.fit` -> the same; `from pkg import engine` (a submodule); a name
 * re-exported by a module (`from .engine import fit` in `pkg/__init__.py`, `from x import *`);
 * `from utils import *` -> what utils.py's `*` binds. A module that is missing, does not parse, is
 * circular or was not followed gives `unknown`: what depends on it stays unknown (null facts), never
 * a guess.
 */
import type { ExportBinding, FunctionSummary, ModuleSummary } from './summary';
import type { LinkedImport, Program, ProgramModule } from './loader';
import type { ModuleTarget } from './resolve';
import * as K from '../analysis/knowledge';

/** The facts a summary states per scope (summary.ts `ScopeFacts`). */
export const FACT_KEYS = ['trainingStep', 'trainingLoop', 'autocast', 'gradScaler', 'gpuMemoryReport', 'noGrad', 'evalMode', 'saves', 'prints', 'epochLoop', 'accumulates'] as const;
export type FactKey = (typeof FACT_KEYS)[number];

/** A fact of an imported function followed into what it calls: true / false when known, null when a module on the way cannot be read. */
export type KnownFacts = Record<FactKey, boolean | null>;

export interface ImportedFunction {
  /** The module's file (absolute). */
  file: string;
  summary: FunctionSummary;
  /** The summary of the module that defines it. */
  module: ModuleSummary | null;
  /** The summary's facts or'ed with those of the project functions it calls, across modules. */
  facts: KnownFacts;
}

export type Resolved =
  | { kind: 'function'; fn: ImportedFunction }
  | { kind: 'module'; file: string; summary: ModuleSummary }
  /** A library name re-exported by a project module (`torch` through `from utils import *`). */
  | { kind: 'external'; qualified: string }
  | { kind: 'class' | 'value'; file: string; name: string; binding: ExportBinding }
  /** The project's, but it cannot be known: a module missing, unparsable, circular, not followed, or a name not read. */
  | { kind: 'unknown'; reason: string };

const MAX_DEPTH = 8;

interface FileImports {
  /** Spelled module name (`engine`, `.engine`, `..`, `pkg.engine`) -> its target, or null when missing. */
  modules: Map<string, ModuleTarget | null>;
  /** Modules imported with `*` (spelled), in order. */
  stars: string[];
}

export class ProjectFacts {
  private readonly byFile = new Map<string, ProgramModule>();
  private readonly importsByFile = new Map<string, FileImports>();
  private readonly factsMemo = new Map<string, KnownFacts>();
  private readonly resolveMemo = new Map<string, Resolved | null>();
  private methodNames?: Set<string>;

  constructor(readonly program: Program) {
    for (const m of program.modules) this.byFile.set(m.file, m);
  }

  get entry(): string {
    return this.program.entry;
  }

  /** The modules of the project the entry reaches that could not be read (for messages and tests). */
  unreadable(): ProgramModule[] {
    return this.program.modules.filter((m) => m.status !== 'read');
  }

  /**
   * What a qualified name of the entry (as the model spells it: `engine.fit`, `.engine.fit`,
   * `..utils.f`) is in the project; null when it is not the project's (a library, a builtin).
   */
  resolve(qualified: string): Resolved | null {
    let r = this.resolveMemo.get(qualified);
    if (r === undefined) this.resolveMemo.set(qualified, (r = this.resolveIn(this.program.entry, qualified, 0)));
    return r;
  }

  /** The imported function a qualified name of the entry names, or null (not one, or not known). */
  functionNamed(qualified: string): ImportedFunction | null {
    const r = this.resolve(qualified);
    return r?.kind === 'function' ? r.fn : null;
  }

  /** Is `name` the name of a method of some class of the modules read? (a cheap test before following a receiver) */
  isMethodName(name: string): boolean {
    if (!this.methodNames) {
      this.methodNames = new Set();
      for (const m of this.program.modules) for (const f of m.summary?.functions ?? []) if (f.name.includes('.')) this.methodNames.add(f.name.slice(f.name.indexOf('.') + 1));
    }
    return this.methodNames.has(name);
  }

  /** The method `method` of the project class a qualified name of the entry names (`training.Trainer` + `train`), or null. */
  methodOf(qualifiedClass: string, method: string): ImportedFunction | null {
    const r = this.resolve(qualifiedClass);
    if (r?.kind !== 'class') return null;
    const summary = this.moduleAt(r.file).summary;
    const fn = summary?.functions.find((f) => f.name === `${r.name}.${method}`);
    return fn ? this.importedFunction(r.file, fn, 0) : null;
  }

  /**
   * What a bare name the entry does not bind is through its `from m import *` of project modules:
   * the binding (the last star module that exports it wins), `unknown` when a star module of the
   * project cannot be read, `undefined` when the file has no project star import, or `null` when
   * every such module was read and none binds it (a builtin, or a library's star import).
   */
  starName(name: string): { via: string; resolved: Resolved } | null | undefined {
    const imports = this.importsOf(this.program.entry);
    const projectStars = imports.stars.filter((s) => imports.modules.has(s));
    if (!projectStars.length) return undefined;
    for (let i = projectStars.length - 1; i >= 0; i--) {
      const via = projectStars[i];
      const target = imports.modules.get(via) ?? null;
      if (!target?.file) return { via, resolved: { kind: 'unknown', reason: `${via} cannot be read` } };
      const mod = this.moduleAt(target.file);
      if (!mod.summary) return { via, resolved: { kind: 'unknown', reason: mod.reason } };
      const found = this.memberOf(target.file, mod.summary, name, 1, true);
      if (found) return { via, resolved: found };
    }
    return null;
  }

  /** Is `spelled` (a module of the entry's `from m import *`) a module of the project? */
  isProjectStar(spelled: string): boolean {
    return this.importsOf(this.program.entry).modules.has(spelled);
  }

  private starIn(file: string, name: string, depth: number): Resolved | null | undefined {
    const imports = this.importsOf(file);
    const projectStars = imports.stars.filter((s) => imports.modules.has(s));
    if (!projectStars.length) return undefined;
    for (let i = projectStars.length - 1; i >= 0; i--) {
      const spelled = projectStars[i];
      const target = imports.modules.get(spelled) ?? null;
      if (!target?.file) return { kind: 'unknown', reason: `${spelled} cannot be read` };
      const mod = this.moduleAt(target.file);
      if (!mod.summary) return { kind: 'unknown', reason: mod.reason };
      const found = this.memberOf(target.file, mod.summary, name, depth + 1, true);
      if (found) return found;
    }
    return null;
  }

  /** The facts of an imported function followed across modules (memoised by file and name). */
  factsOf(fn: ImportedFunction): KnownFacts {
    return fn.facts;
  }

  private importsOf(file: string): FileImports {
    let out = this.importsByFile.get(file);
    if (out) return out;
    out = { modules: new Map(), stars: [] };
    for (const l of this.program.links.get(file) ?? []) this.register(out, l);
    const refs = file === this.program.entry ? this.program.entryImports : this.byFile.get(file)?.summary?.imports;
    for (const ref of refs ?? []) if (ref.star && !ref.inFunction) out.stars.push('.'.repeat(ref.level) + ref.module);
    this.importsByFile.set(file, out);
    return out;
  }

  private register(out: FileImports, l: LinkedImport): void {
    const spelled = '.'.repeat(l.ref.level) + l.ref.module;
    if (l.status === 'missing') {
      if (!out.modules.has(spelled)) out.modules.set(spelled, null);
      return;
    }
    out.modules.set(spelled, l.target);
    for (const [n, t] of l.submodules) out.modules.set(joinName(spelled, n), t);
  }

  private moduleAt(file: string): { summary: ModuleSummary | null; reason: string } {
    if (file === this.program.entry) return { summary: this.program.entrySummary, reason: 'it imports the checked file back' };
    const m = this.byFile.get(file);
    if (!m) return { summary: null, reason: 'not followed' };
    return { summary: m.summary, reason: m.reason ?? `it is ${m.status}` };
  }

  private resolveIn(file: string, qualified: string, depth: number): Resolved | null {
    if (depth > MAX_DEPTH) return { kind: 'unknown', reason: 'too many re-exports' };
    const imports = this.importsOf(file);
    // the longest imported module the name starts with
    let best: string | null = null;
    for (const k of imports.modules.keys()) {
      if ((qualified === k || qualified.startsWith(k + '.')) && (best === null || k.length > best.length)) best = k;
    }
    if (best === null) return null;
    const target = imports.modules.get(best) ?? null;
    if (!target) return { kind: 'unknown', reason: `${best} is missing` };
    const rest = qualified === best ? '' : qualified.slice(best.length + 1);
    if (!target.file) {
      // a namespace package: only its submodules are names (each registered on its own)
      return { kind: 'unknown', reason: `${best} is a folder without __init__.py` };
    }
    const mod = this.moduleAt(target.file);
    if (!mod.summary) return { kind: 'unknown', reason: mod.reason };
    if (!rest) return { kind: 'module', file: target.file, summary: mod.summary };
    const parts = rest.split('.');
    // `Class.method` is a function of the module
    const whole = mod.summary.functions.find((f) => f.name === rest);
    if (whole && target.file) return { kind: 'function', fn: this.importedFunction(target.file, whole, depth) };
    const first = this.memberOf(target.file, mod.summary, parts[0], depth + 1, false) ?? { kind: 'unknown', reason: `${parts[0]} is not bound in ${best}` };
    if (parts.length === 1) return first;
    if (first.kind === 'external') return { kind: 'external', qualified: `${first.qualified}.${parts.slice(1).join('.')}` };
    if (first.kind === 'module') return this.resolveMember(first.file, first.summary, parts.slice(1), depth + 1);
    if (first.kind === 'unknown') return first;
    // an attribute of a class or a value: not followed
    return { kind: 'unknown', reason: `${rest} is an attribute` };
  }

  private resolveMember(file: string, summary: ModuleSummary, parts: string[], depth: number): Resolved {
    const whole = summary.functions.find((f) => f.name === parts.join('.'));
    if (whole) return { kind: 'function', fn: this.importedFunction(file, whole, depth) };
    const first = this.memberOf(file, summary, parts[0], depth + 1, false) ?? { kind: 'unknown', reason: `${parts[0]} is not bound` };
    if (parts.length === 1) return first;
    if (first.kind === 'external') return { kind: 'external', qualified: `${first.qualified}.${parts.slice(1).join('.')}` };
    if (first.kind === 'module') return this.resolveMember(first.file, first.summary, parts.slice(1), depth + 1);
    return first.kind === 'unknown' ? first : { kind: 'unknown', reason: `${parts.join('.')} is an attribute` };
  }

  /**
   * `name` as module `file` binds it: its function, what its export says (an import followed into
   * the project or left a library name), a submodule, or what its own `*` imports bind. Null when
   * the module does not bind it (and `star` asks for `from file import *`, whose names are its exports).
   */
  private memberOf(file: string, summary: ModuleSummary, name: string, depth: number, star: boolean): Resolved | null {
    if (depth > MAX_DEPTH) return { kind: 'unknown', reason: 'too many re-exports' };
    const exported = summary.exports[name];
    if (star && !exported && summary.exportsFromAll) return null;
    if (star && name.startsWith('_')) return null;
    const fn = summary.functions.find((f) => f.name === name);
    if (fn && (!exported || exported.kind === 'function')) return { kind: 'function', fn: this.importedFunction(file, fn, depth) };
    if (exported) {
      switch (exported.kind) {
        case 'import':
          return this.resolveIn(file, exported.qualified, depth + 1) ?? { kind: 'external', qualified: exported.qualified };
        case 'class':
        case 'value':
          return { kind: exported.kind, file, name, binding: exported };
        case 'function':
          return { kind: 'unknown', reason: `${name} is not summarised` };
        default:
          return { kind: 'unknown', reason: `${name} is bound in a way not read` };
      }
    }
    // a name the module imports but does not list (a private import, `__all__` leaving it out)
    const imports = this.importsOf(file);
    for (const [spelled] of imports.modules) {
      const own = summary.imports.find((r) => !r.inFunction && r.names.some((n) => (n.alias ?? n.name) === name) && '.'.repeat(r.level) + r.module === spelled);
      if (own && !star) {
        const n = own.names.find((x) => (x.alias ?? x.name) === name)!;
        return this.resolveIn(file, joinName(spelled, n.name), depth + 1);
      }
    }
    // what its own `from x import *` binds
    const viaStar = this.starIn(file, name, depth + 1);
    if (viaStar) return viaStar;
    // a library's `*` (`from torch.nn import *`) may bind it: not known
    if (summary.starReexports.some((s) => !imports.modules.has(s))) return star ? null : { kind: 'unknown', reason: `${name} may come from a library's *` };
    return null;
  }

  private importedFunction(file: string, summary: FunctionSummary, depth: number): ImportedFunction {
    const fn: ImportedFunction = { file, summary, module: this.moduleAt(file).summary, facts: this.followFacts(file, summary, depth, new Set()) };
    return fn;
  }

  /** A function's facts with those of the project functions it calls (transitively, each once). */
  private followFacts(file: string, summary: FunctionSummary, depth: number, seen: Set<string>): KnownFacts {
    const key = `${file}\0${summary.name}`;
    const memo = this.factsMemo.get(key);
    if (memo) return memo;
    const out = {} as KnownFacts;
    for (const k of FACT_KEYS) out[k] = summary[k];
    if (seen.has(key)) return out;
    seen.add(key);
    for (const q of summary.calls) {
      const r = depth > MAX_DEPTH ? ({ kind: 'unknown', reason: 'too deep' } as Resolved) : this.resolveIn(file, q, depth + 1);
      let g: KnownFacts | null = null;
      if (r === null) {
        // not the project's, and not a known library: an installed package, unknown
        g = unknownFacts();
      } else if (r.kind === 'function') {
        g = this.followFacts(r.fn.file, r.fn.summary, depth + 1, seen);
      } else if (r.kind === 'unknown') {
        g = unknownFacts();
      } else if (r.kind === 'external') {
        g = externalFacts(r.qualified);
      } else if (r.kind === 'class') {
        // an instance of a class of the project: any of its methods may be called on it
        const methods = this.moduleAt(r.file).summary?.functions.filter((f) => f.name.startsWith(`${r.name}.`)) ?? [];
        for (const mth of methods) merge(out, this.followFacts(r.file, mth, depth + 1, seen));
        // a base class of another module (or a library's) may do what its methods do not show
        if (r.binding.kind === 'class' && r.binding.bases.some((b) => b !== 'object' && !b.startsWith('<local>.') && K.isProjectName(b))) g = unknownFacts();
      }
      if (g) merge(out, g);
    }
    seen.delete(key);
    this.factsMemo.set(key, out);
    return out;
  }
}

/** How the model spells a name of a module: `engine` + `fit` -> `engine.fit`; `.` + `utils` -> `..utils` (`from . import utils`). */
function joinName(spelled: string, name: string): string {
  return `${spelled}.${name}`;
}

function unknownFacts(): KnownFacts {
  const out = {} as KnownFacts;
  for (const k of FACT_KEYS) out[k] = null;
  return out;
}

/** A library call reached through a re-export: what the known lists say it does. */
function externalFacts(q: string): KnownFacts | null {
  const saves = K.CHECKPOINT_SAVES.has(q);
  const gpu = K.GPU_MEMORY_REPORTS.has(q);
  const scaler = K.GRAD_SCALER.has(q);
  if (!saves && !gpu && !scaler) return null;
  const out = {} as KnownFacts;
  for (const k of FACT_KEYS) out[k] = false;
  out.saves = saves;
  out.gpuMemoryReport = gpu;
  out.gradScaler = scaler;
  return out;
}

/** true wins; otherwise unknown wins over false. */
function merge(into: KnownFacts, from: KnownFacts): void {
  for (const k of FACT_KEYS) {
    if (into[k] === true) continue;
    if (from[k] === true) into[k] = true;
    else if (from[k] === null) into[k] = null;
  }
}

/** An empty set of facts, all known false (a scope that does nothing). */
function noFacts(): KnownFacts {
  const out = {} as KnownFacts;
  for (const k of FACT_KEYS) out[k] = false;
  return out;
}

/** Facts of several imported functions together (true wins, then unknown). */
export function combineFacts(list: readonly KnownFacts[]): KnownFacts {
  const out = noFacts();
  for (const f of list) merge(out, f);
  return out;
}

function unknownKnownFacts(): KnownFacts {
  return unknownFacts();
}

/** The facts of the project the checked file imports, or null when there is no program (single file). */
export function projectFactsOf(program: Program | null | undefined): ProjectFacts | null {
  return program && program.modules.length ? new ProjectFacts(program) : null;
}
