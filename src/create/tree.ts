// Walks a directory into the entries `cpiox create` writes: sorted bytewise (a directory before
// its contents), never following symlinks, hard links grouped by (device, inode).
import { lstatSync, readdirSync, readlinkSync, statSync, type BigIntStats } from "node:fs";
import { CpioxError, fsError } from "../errors.js";
import type { Xattr } from "../entries.js";
import { EOPNOTSUPP, lgetxattrs } from "../native/libc.js";
import { errnoName } from "../native/errno.js";

/** One entry to write, from a directory walk or a list file. */
export interface ArchiveItem {
  /** Name in the archive ("." for the directory itself). */
  name: Buffer;
  /** c_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Where a regular file's data is read from. */
  dataPath: Buffer | null;
  /** Bytes of data (regular files: the file's size; 0 on hard-link instances without the data). */
  size: number;
  linkTarget: Buffer | null;
  xattrs: Xattr[];
  /** Archive inode number (shared by a hard-link set) and the set's size in the archive. */
  ino: number;
  nlink: number;
  /** The data goes on the last instance of a hard-link set, as GNU cpio and gen_init_cpio do. */
  carriesData: boolean;
}

interface SourceEntry extends ArchiveItem {
  stat: BigIntStats;
}

/** A failed read of the tree, as a coded error naming the path. */
function readOrFail<T>(what: string, path: Buffer, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw fsError("CPIOX_INPUT", `cannot ${what} ${path.toString()}`, e);
  }
}

export function walkTree(root: string, readXattrs: boolean): ArchiveItem[] {
  const top = readOrFail("read the directory", Buffer.from(root), () => statSync(root));
  if (!top.isDirectory()) throw new CpioxError("CPIOX_INPUT", `${root} is not a directory (create -C takes the tree to archive)`);
  const out: SourceEntry[] = [];
  const visit = (rel: Buffer | null) => {
    const path = rel ? Buffer.concat([Buffer.from(root), Buffer.from("/"), rel]) : Buffer.from(root);
    const stat = readOrFail("read", path, () => lstatSync(path as unknown as string, { bigint: true }));
    const isLink = stat.isSymbolicLink();
    let xattrs: Xattr[] = [];
    if (readXattrs) {
      const got = lgetxattrs(path);
      if (typeof got === "number" && got !== -EOPNOTSUPP) {
        throw new CpioxError("CPIOX_INPUT", `cannot read the xattrs of ${path.toString()} (${errnoName(-got)})`);
      }
      if (typeof got !== "number") xattrs = got;
    }
    const rdev = Number(stat.rdev);
    const linkTarget = isLink ? readOrFail("read the symlink", path, () => readlinkSync(path as unknown as string, { encoding: "buffer" })) : null;
    out.push({
      name: rel ?? Buffer.from("."), stat, mode: Number(stat.mode) & 0xffff, uid: Number(stat.uid), gid: Number(stat.gid),
      mtime: Number(stat.mtimeMs / 1000n), rdevMajor: (rdev >> 8) & 0xfff, rdevMinor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
      dataPath: stat.isFile() ? path : null, size: stat.isFile() ? Number(stat.size) : 0,
      linkTarget, xattrs, ino: 0, nlink: 1, carriesData: true,
    });
    if (stat.isDirectory()) {
      const names = readOrFail("list", path, () => readdirSync(path as unknown as string, { encoding: "buffer" })).sort(Buffer.compare);
      for (const n of names) visit(rel ? Buffer.concat([rel, Buffer.from("/"), n]) : n);
    }
  };
  visit(null);
  // Inode numbers: one per (device, inode), so hard links share theirs.
  const byInode = new Map<string, SourceEntry[]>();
  for (const e of out) {
    if (e.stat.isDirectory()) continue;
    const key = `${e.stat.dev}:${e.stat.ino}`;
    const set = byInode.get(key) ?? [];
    set.push(e);
    byInode.set(key, set);
  }
  let next = 1;
  for (const e of out) {
    if (e.ino) continue;
    const set = e.stat.isDirectory() ? [e] : byInode.get(`${e.stat.dev}:${e.stat.ino}`)!;
    const ino = next++;
    set.forEach((m, i) => {
      m.ino = ino;
      m.nlink = e.stat.isDirectory() ? Number(e.stat.nlink) : set.length;
      m.carriesData = i === set.length - 1;
    });
  }
  return out.map(({ stat: _stat, ...item }) => item);
}
