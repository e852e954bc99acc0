// `cpiox diff A B`: the difference between two images as the kernel would unpack them. Both are
// read at once, each streamed into its own tree model (see tree.ts); the comparison is of paths:
// added, removed, changed (which fields), bytes per top-level directory and per member, and the
// paths each image's members shadow.
import { CpioxError } from "../errors.js";
import type { Source } from "../input/sources.js";
import type { MemberInfo } from "../members/splitter.js";
import type { ManifestRow } from "../verify/manifest.js";
import { readTree, type ImageTree, type TreeOptions } from "./tree.js";

export const DIFF_SCHEMA = "cpiox-diff/1";

export type DiffField = "type" | "mode" | "uid" | "gid" | "size" | "digest" | "target" | "device" | "xattrs";

export interface PathSummary {
  path: string;
  type: string;
  size: number;
}

export interface ChangedPath {
  path: string;
  fields: { field: DiffField; a: string; b: string }[];
}

export interface SizeGrowth {
  /** A top-level directory ("." for files at the root), or a member's index. */
  name: string;
  a: number | null;
  b: number | null;
  delta: number;
}

export interface ImageSide {
  source: string;
  paths: number;
  /** Bytes of regular files in the unpacked tree (hard links counted once). */
  fileBytes: number;
  members: { index: number; kind: string; compressedSize: number; uncompressedSize: number; entries: number }[];
  /** Non-directory paths that more than one member writes: the last one wins at unpack. */
  shadowed: { path: string; members: number[] }[];
}

export interface DiffReport {
  schema: typeof DIFF_SCHEMA;
  equal: boolean;
  a: ImageSide;
  b: ImageSide;
  added: PathSummary[];
  removed: PathSummary[];
  changed: ChangedPath[];
  /** Regular files' bytes per top-level directory, and each member's uncompressed size. */
  growth: { directories: SizeGrowth[]; members: SizeGrowth[] };
}

export type DiffOptions = Omit<TreeOptions, "sha256" | "sha512">;

const DEVICE_TYPES = new Set(["char", "block"]);

/** What the manifest's "content" column holds for this type, as a diff field. */
function contentField(type: string): DiffField | null {
  if (type === "file") return "digest";
  if (type === "symlink") return "target";
  return DEVICE_TYPES.has(type) ? "device" : null;
}

function changedFields(a: ManifestRow, b: ManifestRow): ChangedPath["fields"] {
  const fields: ChangedPath["fields"] = [];
  for (const f of ["type", "mode", "uid", "gid", "size", "xattrs"] as const) {
    if (a[f] !== b[f]) fields.push({ field: f, a: a[f], b: b[f] });
  }
  if (a.content !== b.content) {
    // Of a different type the content is a different kind of thing: the type says it already.
    const field = a.type === b.type ? contentField(a.type) : null;
    if (field) fields.push({ field, a: a.content.replace(/^->/, ""), b: b.content.replace(/^->/, "") });
  }
  return fields;
}

const fileBytes = (r: ManifestRow) => (r.type === "file" ? Number(r.size) : 0);
const summary = (r: ManifestRow): PathSummary => ({ path: r.path, type: r.type, size: fileBytes(r) });
/** The top-level directory a path is in (or is); what else sits at the root counts under ".". */
const topLevel = (r: ManifestRow) => (r.path.includes("/") ? r.path.slice(0, r.path.indexOf("/")) : r.type === "directory" ? r.path : ".");

/**
 * Files' bytes in a tree, in all and per top-level directory: each inode once, under its first
 * path (in path order) when hard links share it.
 */
function fileBytesOf(t: ImageTree): { total: number; byDirectory: Map<string, number> } {
  const counted = new Set<number>();
  const byDirectory = new Map<string, number>();
  let total = 0;
  for (const [path, r] of t.rows) {
    const inode = t.inodes.get(path)!;
    if (counted.has(inode)) continue;
    counted.add(inode);
    const n = fileBytes(r);
    total += n;
    if (path !== ".") byDirectory.set(topLevel(r), (byDirectory.get(topLevel(r)) ?? 0) + n);
  }
  return { total, byDirectory };
}

function side(source: Source, t: ImageTree, fileBytesTotal: number): ImageSide {
  return {
    source: typeof source === "string" ? source : "(stream)",
    paths: t.rows.size,
    fileBytes: fileBytesTotal,
    members: t.members.map((m: MemberInfo) => ({ index: m.index, kind: m.kind, compressedSize: m.compressedSize, uncompressedSize: m.uncompressedSize, entries: m.entries })),
    shadowed: [...t.shadowed].sort(([x], [y]) => (x < y ? -1 : 1)).map(([path, members]) => ({ path, members })),
  };
}

function growth(named: Map<string, { a: number | null; b: number | null }>): SizeGrowth[] {
  return [...named].map(([name, { a, b }]) => ({ name, a, b, delta: (b ?? 0) - (a ?? 0) }))
    .filter((g) => g.delta !== 0 || g.a === null || g.b === null)
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.name < y.name ? -1 : 1));
}

export function compareTrees(a: ImageTree, b: ImageTree, sources: [Source, Source]): DiffReport {
  const added: PathSummary[] = [], removed: PathSummary[] = [], changed: ChangedPath[] = [];
  const [bytesA, bytesB] = [fileBytesOf(a), fileBytesOf(b)];
  const dirs = new Map<string, { a: number | null; b: number | null }>();
  for (const name of new Set([...bytesA.byDirectory.keys(), ...bytesB.byDirectory.keys()])) {
    dirs.set(name, { a: bytesA.byDirectory.get(name) ?? null, b: bytesB.byDirectory.get(name) ?? null });
  }
  for (const [path, ra] of a.rows) {
    if (path === ".") continue;
    const rb = b.rows.get(path);
    if (!rb) removed.push(summary(ra));
    else {
      const fields = changedFields(ra, rb);
      if (fields.length) changed.push({ path, fields });
    }
  }
  for (const [path, rb] of b.rows) {
    if (path === ".") continue;
    if (!a.rows.has(path)) added.push(summary(rb));
  }
  const members = new Map<string, { a: number | null; b: number | null }>();
  for (let i = 0; i < Math.max(a.members.length, b.members.length); i++) {
    members.set(String(i), { a: a.members[i]?.uncompressedSize ?? null, b: b.members[i]?.uncompressedSize ?? null });
  }
  const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  return {
    schema: DIFF_SCHEMA,
    equal: !added.length && !removed.length && !changed.length,
    a: side(sources[0], a, bytesA.total),
    b: side(sources[1], b, bytesB.total),
    added: added.sort(byPath),
    removed: removed.sort(byPath),
    changed: changed.sort(byPath),
    growth: { directories: growth(dirs), members: growth(members) },
  };
}

/** Reads both images at once (at most one from standard input) and compares their trees. */
export async function diff(a: Source, b: Source, options: DiffOptions = {}): Promise<DiffReport> {
  if (a === "-" && b === "-") throw new CpioxError("CPIOX_BAD_ARGUMENT", "only one of the two images can be standard input");
  const [ta, tb] = await Promise.all([readTree(a, options, "A"), readTree(b, options, "B")]);
  return compareTrees(ta, tb, [a, b]);
}
