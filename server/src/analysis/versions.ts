/**
 * Version specifiers from the workspace's requirements (`==1.4.10`, `>=1.4,<1.5`, `~=2.3`,
 * `<=0.0.16`, `==1.4.*`, Poetry's `^1.4` / `~1.4`) and the one question rules ask of them: what is the highest version pip
 * may install? Rules read pins through `ctx.workspace.requirements` (package -> spec, filled by
 * the adapters); nothing here reads files.
 */

export type Version = number[];

/** `1.4.10` -> [1, 4, 10]; local (`+cu118`) and pre-release suffixes are dropped. Null when not a version. */
export function parseVersion(s: string): Version | null {
  const m = /^\s*v?(\d+(?:\.\d+)*)/.exec(s.replace(/\+.*$/, ''));
  if (!m) return null;
  return m[1].split('.').map((p) => parseInt(p, 10));
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The highest version a specifier allows: an exact version, a bound (inclusive or not), or none (the latest release). */
export type Ceiling = { kind: 'exact'; v: Version } | { kind: 'max'; v: Version; inclusive: boolean } | { kind: 'latest' };

/** The ceiling of a requirement specifier; null when it cannot be read (a URL, a marker-only line). */
export function ceilingOf(spec: string | null | undefined): Ceiling | null {
  if (spec === null || spec === undefined) return null;
  const clauses = spec.split(';')[0].split(',').map((c) => c.trim()).filter((c) => c.length);
  if (!clauses.length) return { kind: 'latest' };
  let best: Ceiling = { kind: 'latest' };
  const lower = (c: Ceiling) => {
    if (c.kind === 'latest') return;
    if (best.kind === 'latest' || compareVersions(c.v, best.v) < 0 || (compareVersions(c.v, best.v) === 0 && c.kind === 'max' && !c.inclusive)) best = c;
  };
  for (const clause of clauses) {
    // Poetry: ^1.4.10 -> <2, ^0.2.3 -> <0.3, ^0.0.16 -> <0.0.17; ~1.4.10 / ~1.4 -> <1.5, ~1 -> <2
    const poetry = /^([\^~])\s*(\d+(?:\.\d+)*)$/.exec(clause);
    if (poetry) {
      const v = parseVersion(poetry[2])!;
      let i = poetry[1] === '^' ? v.findIndex((p) => p !== 0) : Math.min(1, v.length - 1);
      if (i < 0) i = v.length - 1;
      lower({ kind: 'max', v: [...v.slice(0, i), v[i] + 1], inclusive: false });
      continue;
    }
    const m = /^(===|==|~=|<=|>=|!=|<|>)\s*(.+)$/.exec(clause);
    if (!m) return null;
    const [, op, raw] = m;
    if (op === '==' || op === '===') {
      if (/\.\*$/.test(raw)) {
        // ==1.4.* -> < 1.5
        const v = parseVersion(raw.replace(/\.\*$/, ''));
        if (!v) return null;
        lower({ kind: 'max', v: [...v.slice(0, -1), v[v.length - 1] + 1], inclusive: false });
      } else {
        const v = parseVersion(raw);
        if (!v) return null;
        lower({ kind: 'exact', v });
      }
    } else if (op === '<=' || op === '<') {
      const v = parseVersion(raw);
      if (!v) return null;
      lower({ kind: 'max', v, inclusive: op === '<=' });
    } else if (op === '~=') {
      // ~=1.4.10 -> >=1.4.10, <1.5 ; ~=2.3 -> <3
      const v = parseVersion(raw);
      if (!v || v.length < 2) return null;
      const prefix = v.slice(0, -1);
      lower({ kind: 'max', v: [...prefix.slice(0, -1), prefix[prefix.length - 1] + 1], inclusive: false });
    }
    // >=, >, != leave the ceiling where it is
  }
  return best;
}

/**
 * Is the highest version pip may install inside [lo, hi]? `nextAfterHi` is the first release after
 * `hi` (an exclusive bound at or below it still lands inside the range).
 */
export function ceilingWithin(c: Ceiling, lo: Version, hi: Version, nextAfterHi: Version): boolean {
  if (c.kind === 'latest') return false;
  if (c.kind === 'exact' || c.inclusive) return compareVersions(c.v, lo) >= 0 && compareVersions(c.v, hi) <= 0;
  return compareVersions(c.v, lo) > 0 && compareVersions(c.v, nextAfterHi) <= 0;
}

/** Is the highest version pip may install strictly below `v`? */
export function ceilingBelow(c: Ceiling, v: Version): boolean {
  if (c.kind === 'latest') return false;
  if (c.kind === 'max' && !c.inclusive) return compareVersions(c.v, v) <= 0;
  return compareVersions(c.v, v) < 0;
}

/** The spec of `pkg` in the requirements (names compared the way pip does: case and `-`/`_`/`.` folded). */
export function requirement(reqs: Record<string, string> | null | undefined, pkg: string): string | null {
  if (!reqs) return null;
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '-');
  for (const [name, spec] of Object.entries(reqs)) if (norm(name) === norm(pkg)) return spec ?? '';
  return null;
}
