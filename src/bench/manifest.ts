// One record per path of an unpacked tree, the same fields whoever unpacked it: read here from a
// directory on the host, or parsed from the lines the helper /init prints on the booted kernel's
// console (helper.ts). Paths are relative to the root, without a leading "/"; the root is ".".
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

export type PathType = "file" | "directory" | "symlink" | "char" | "block" | "fifo" | "socket" | "unknown";

export interface PathRecord {
  type: PathType;
  /** Permission bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file or symlink; null for others (a directory's size is the filesystem's). */
  size: number | null;
  /** Seconds. */
  mtime: number;
  /** Links to the object; null for directories (their count depends on the filesystem). */
  nlink: number | null;
  /** A symlink's target, as bytes read as latin1 (every byte kept). */
  target: string | null;
  /** A device's numbers. */
  rdev: { major: number; minor: number } | null;
  /** SHA-256 of a regular file's data. */
  sha256: string | null;
  /** The first path (in sorted order) of the object's hard links, when it has more than one. */
  linkGroup: string | null;
}

/** Path -> record, sorted by path. */
export type Manifest = Map<string, PathRecord>;

const TYPES: Record<number, PathType> = {
  0o100000: "file", 0o040000: "directory", 0o120000: "symlink", 0o020000: "char", 0o060000: "block",
  0o010000: "fifo", 0o140000: "socket",
};
export const typeOfModeBits = (mode: number): PathType => TYPES[mode & 0o170000] ?? "unknown";

interface RawRecord extends Omit<PathRecord, "linkGroup"> {
  inode: number;
}

/** The record as both sides give it, before hard-link groups are worked out from the inodes. */
function record(type: PathType, mode: number, uid: number, gid: number, size: number, mtime: number, nlink: number,
  rdev: { major: number; minor: number }, inode: number): RawRecord {
  return {
    type, mode: mode & 0o7777, uid, gid,
    size: type === "file" || type === "symlink" ? size : null,
    mtime, nlink: type === "directory" ? null : nlink, target: null,
    rdev: type === "char" || type === "block" ? rdev : null, sha256: null, inode,
  };
}

/** Hard-link groups from inodes (objects with more than one link), then the sorted manifest. */
function finish(raw: Map<string, RawRecord>): Manifest {
  const byInode = new Map<number, string[]>();
  for (const [path, r] of raw) {
    if (r.type === "directory" || (r.nlink ?? 1) < 2) continue;
    byInode.set(r.inode, [...(byInode.get(r.inode) ?? []), path]);
  }
  const groupOf = new Map<string, string>();
  for (const paths of byInode.values()) {
    const first = [...paths].sort()[0];
    for (const p of paths) groupOf.set(p, first);
  }
  const out: Manifest = new Map();
  for (const path of [...raw.keys()].sort()) {
    const { inode: _inode, ...r } = raw.get(path)!;
    out.set(path, { ...r, linkGroup: groupOf.get(path) ?? null });
  }
  return out;
}

const majorOf = (dev: number) => Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
const minorOf = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));

async function sha256File(path: Buffer): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path as unknown as string)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The manifest of a directory tree on this machine (names kept byte for byte, read as latin1). */
export async function manifestOfTree(root: string): Promise<Manifest> {
  const raw = new Map<string, RawRecord>();
  const visit = async (rel: string) => {
    const abs = Buffer.from(rel === "." ? root : join(root, rel), "latin1");
    const st = await lstat(abs as unknown as string);
    const type = typeOfModeBits(st.mode);
    const r = record(type, st.mode, st.uid, st.gid, st.size, Math.floor(st.mtimeMs / 1000), st.nlink,
      { major: majorOf(st.rdev), minor: minorOf(st.rdev) }, st.ino);
    if (type === "symlink") r.target = (await readlink(abs as unknown as string, { encoding: "buffer" })).toString("latin1");
    if (type === "file") r.sha256 = await sha256File(abs);
    raw.set(rel, r);
    if (type !== "directory") return;
    const names = await readdir(abs as unknown as string, { encoding: "buffer" });
    for (const name of names) await visit(rel === "." ? name.toString("latin1") : `${rel}/${name.toString("latin1")}`);
  };
  await visit(".");
  return finish(raw);
}

/** Line prefixes of the helper's console output (see helper.ts). */
export const CONSOLE = { begin: "@@CPIOX-MANIFEST-BEGIN", end: "@@CPIOX-MANIFEST-END", stat: "@@S ", hash: "@@H ", link: "@@L " };

const fromConsolePath = (p: string) => (p === "/" ? "." : p.replace(/^\//, ""));

/**
 * The manifest printed by the helper /init: `@@S` lines from busybox stat (raw mode in hex, uid,
 * gid, size, mtime, links, device major and minor in hex, inode, path), `@@H` lines from
 * sha256sum, `@@L` lines with a symlink's target and path. Lines that fit none of these between
 * the markers (a name with a newline, a kernel message in the middle of a line) are returned.
 */
export function parseConsoleManifest(text: string): { manifest: Manifest; unparsed: string[] } {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.endsWith(CONSOLE.begin));
  const end = lines.findIndex((l) => l.endsWith(CONSOLE.end));
  if (begin < 0 || end < begin) throw new Error("the helper printed no complete manifest on the console");
  const raw = new Map<string, RawRecord>();
  const hashes = new Map<string, string>();
  const targets = new Map<string, string>();
  const unparsed: string[] = [];
  for (const line of lines.slice(begin + 1, end)) {
    let m: RegExpExecArray | null;
    if ((m = /^@@S ([0-9a-f]+) (\d+) (\d+) (\d+) (\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) (\d+) (.+)$/.exec(line))) {
      const mode = parseInt(m[1], 16);
      raw.set(fromConsolePath(m[10]), record(typeOfModeBits(mode), mode, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]),
        Number(m[6]), { major: parseInt(m[7], 16), minor: parseInt(m[8], 16) }, Number(m[9])));
    } else if ((m = /^@@H ([0-9a-f]{64}) {2}(.+)$/.exec(line))) {
      hashes.set(fromConsolePath(m[2]), m[1]);
    } else if ((m = /^@@L ([^\t]*)\t(.+)$/.exec(line))) {
      targets.set(fromConsolePath(m[2]), m[1]);
    } else if (line.trim() !== "") {
      unparsed.push(line);
    }
  }
  for (const [path, r] of raw) {
    if (r.type === "file") r.sha256 = hashes.get(path) ?? null;
    if (r.type === "symlink") r.target = targets.get(path) ?? null;
  }
  return { manifest: finish(raw), unparsed };
}
