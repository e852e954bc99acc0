// Which entries a command works on, as bsdtar and 3cpio users know it: shell-style patterns on
// the entry's path without a leading "./" or "/" (a directory that matches brings its contents),
// --exclude patterns (an excluded directory takes its contents with it), and leading path
// components stripped from what is extracted (--strip-components).
import { CpioxError, type Warning } from "../errors.js";
import { endsWithSlash, joinParts, namesDirectoryItself, splitName } from "../kernel/names.js";
import { compileGlob, type Glob } from "./glob.js";

export interface SelectOptions {
  /** Only entries whose path, or one of whose parent directories, matches one of these. */
  patterns?: string[];
  /** Entries whose path, or one of whose parent directories, matches one of these are left out. */
  exclude?: string[];
  /** Only entries of these members (their indexes, from 0, as `examine` numbers them). */
  members?: number[];
}

/** The path patterns see: components joined by "/", without "./" or a leading "/"; the root is ".". */
export function selectionPath(name: Uint8Array): string {
  return joinParts(splitName(name)).toString("latin1") || ".";
}

/** The path and each of its parent directories, shortest first: "a", "a/b", "a/b/c". */
function prefixes(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

export class Selection {
  private readonly include: { pattern: string; glob: Glob; matched: boolean }[];
  private readonly exclude: Glob[];
  private readonly members: Set<number> | null;
  private readonly membersSeen = new Set<number>();

  constructor(opts: SelectOptions) {
    for (const m of opts.members ?? []) {
      if (!Number.isInteger(m) || m < 0) throw new CpioxError("CPIOX_BAD_ARGUMENT", `a member is a whole number from 0, not ${m}`);
    }
    this.members = opts.members?.length ? new Set(opts.members) : null;
    const compile = (p: string) => compileGlob(p, "pattern", "CPIOX_BAD_ARGUMENT");
    this.include = (opts.patterns ?? []).map((pattern) => ({ pattern, glob: compile(pattern), matched: false }));
    this.exclude = (opts.exclude ?? []).map(compile);
  }

  /** Whether anything is left out at all. */
  get active(): boolean {
    return this.include.length > 0 || this.exclude.length > 0 || this.members !== null;
  }

  /** Whether an entry (its name, and the member holding it) is selected. */
  selects(name: Uint8Array, member?: number): boolean {
    if (!this.active) return true;
    if (this.members && member !== undefined) {
      this.membersSeen.add(member);
      if (!this.members.has(member)) return false;
    }
    const paths = prefixes(selectionPath(name));
    if (this.exclude.some((glob) => paths.some((p) => glob(p)))) return false;
    if (!this.include.length) return true;
    let selected = false;
    for (const inc of this.include) {
      if (paths.some((p) => inc.glob(p))) selected = inc.matched = true;
    }
    return selected;
  }

  /** Patterns that selected nothing (bsdtar: "Not found in archive"), and members the image lacks. */
  unmatched(): string[] {
    const missing = [...(this.members ?? [])].filter((m) => !this.membersSeen.has(m)).map((m) => `member ${m}`);
    return [...this.include.filter((i) => !i.matched).map((i) => i.pattern), ...missing];
  }
}

/** The warning for a pattern that selected nothing (bsdtar: "Not found in archive"). */
export function unmatchedWarning(pattern: string): Warning {
  const member = /^member \d+$/.test(pattern);
  return { code: "CPIOX_PATTERN_UNMATCHED", message: member ? `${pattern}: the image has no such member (or no entries in it)` : `${JSON.stringify(pattern)} matched no entry in the archive` };
}

/**
 * The name with its first `n` components removed, or null when nothing is left (the entry is
 * then skipped, as bsdtar and node-tar do).
 */
export function stripComponents(name: Uint8Array, n: number): Buffer | null {
  if (!Number.isInteger(n) || n < 0) throw new CpioxError("CPIOX_BAD_ARGUMENT", `strip-components must be a whole number, not ${n}`);
  if (n === 0) return Buffer.from(name);
  const parts = splitName(name);
  if (parts.length <= n) return null;
  // A name that can only name a directory ("d/", "d/.") keeps that shape.
  const suffix = endsWithSlash(name) ? "/" : namesDirectoryItself(name) && name[name.length - 1] === 0x2e && name[name.length - 2] !== 0x2e ? "/." : "";
  return Buffer.concat([joinParts(parts.slice(n)), Buffer.from(suffix)]);
}
