// Reference manifests: one tab-separated line per path of the tree the image builds, sorted by
// path, so two manifests diff cleanly; --against compares an image with one.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { CpioxError } from "../errors.js";
import type { PathNode } from "./tree-model.js";
import { octalPermissions } from "../entries.js";

export const MANIFEST_HEADER = "# cpiox-manifest 1";
const COLUMNS = ["path", "type", "mode", "uid", "gid", "size", "content", "xattrs"] as const;
export const MANIFEST_COLUMNS_LINE = `# ${COLUMNS.join("\t")}`;

export interface ManifestRow {
  /** The path, escaped: printable ASCII as is, every other byte and "\" as \xNN. */
  path: string;
  type: string;
  /** Permission bits (07777) in octal, four digits. */
  mode: string;
  uid: string;
  gid: string;
  size: string;
  /** file: sha256 of the data; symlink: "->" and the escaped target; device: "MAJOR:MINOR"; else "-". */
  content: string;
  /** Sorted "name=<first 16 hex digits of the value's sha256>" joined by ",", or "-". */
  xattrs: string;
}

export type ManifestField = keyof ManifestRow;

const EMPTY_SHA256 = createHash("sha256").digest("hex");

const plain = (c: number) => c > 0x20 && c < 0x7f && c !== 0x5c;

/** Escapes bytes so a path or target is one unambiguous field. */
export function escapeBytes(b: Uint8Array): string {
  // Most names need no escape: one flat string, no per-character concatenation.
  if (b.every(plain)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
  return Array.from(b, (c) => (plain(c) ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`)).join("");
}

export function formatManifest(rows: Iterable<ManifestRow>): string {
  const lines = [MANIFEST_HEADER, MANIFEST_COLUMNS_LINE];
  for (const r of rows) lines.push(COLUMNS.map((c) => r[c]).join("\t"));
  return `${lines.join("\n")}\n`;
}

export function parseManifest(text: string, from = "manifest"): Map<string, ManifestRow> {
  const lines = text.split("\n");
  if (lines[0] !== MANIFEST_HEADER) {
    throw new CpioxError("CPIOX_MANIFEST_INVALID", `${from}: the first line must be "${MANIFEST_HEADER}"`);
  }
  const rows = new Map<string, ManifestRow>();
  lines.slice(1).forEach((line, i) => {
    if (line === "" || line.startsWith("#")) return;
    const f = line.split("\t");
    if (f.length !== COLUMNS.length) {
      throw new CpioxError("CPIOX_MANIFEST_INVALID", `${from} line ${i + 2}: ${f.length} fields, ${COLUMNS.length} expected`);
    }
    const row = Object.fromEntries(COLUMNS.map((c, j) => [c, f[j]])) as unknown as ManifestRow;
    if (rows.has(row.path)) throw new CpioxError("CPIOX_MANIFEST_INVALID", `${from} line ${i + 2}: ${row.path} listed twice`);
    rows.set(row.path, row);
  });
  return rows;
}

export function readManifest(file: string): Map<string, ManifestRow> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CpioxError("CPIOX_MANIFEST_INVALID", `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseManifest(text, file);
}

export interface ManifestDifference {
  kind: "added" | "removed" | "changed";
  path: string;
  /** For "changed": the fields that differ, with the manifest's and the image's values. */
  fields?: { field: ManifestField; expected: string; actual: string }[];
}

export function compareManifests(expected: Map<string, ManifestRow>, actual: Iterable<ManifestRow>): ManifestDifference[] {
  const out: ManifestDifference[] = [];
  const seen = new Set<string>();
  for (const row of actual) {
    seen.add(row.path);
    const want = expected.get(row.path);
    if (!want) {
      out.push({ kind: "added", path: row.path });
      continue;
    }
    const fields = COLUMNS.filter((c) => want[c] !== row[c]).map((field) => ({ field, expected: want[field], actual: row[field] }));
    if (fields.length) out.push({ kind: "changed", path: row.path, fields });
  }
  for (const path of expected.keys()) if (!seen.has(path)) out.push({ kind: "removed", path });
  return out;
}

/** The map key (latin1 bytes) of an escaped path. */
export function unescapeKey(escaped: string): string {
  return escaped.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The manifest line of a path of the modelled tree. */
export function manifestRow(node: PathNode): ManifestRow {
  const i = node.inode;
  let content = "-";
  if (i.type === "file") content = i.size === 0 ? EMPTY_SHA256 : i.digests?.sha256 ?? "?";
  else if (i.type === "symlink") content = `->${escapeBytes(i.linkTarget ?? Buffer.alloc(0))}`;
  else if (i.rdev) content = i.rdev;
  const xattrs = i.xattrs?.length
    ? i.xattrs.map((x) => `${escapeBytes(x.name)}=${createHash("sha256").update(x.value).digest("hex").slice(0, 16)}`).sort().join(",")
    : "-";
  return {
    path: escapeBytes(Buffer.from(node.key, "latin1")), type: i.type, mode: octalPermissions(i.mode),
    uid: String(i.uid), gid: String(i.gid), size: String(i.type === "file" ? i.size : 0), content, xattrs,
  };
}
