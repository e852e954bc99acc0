// Encoders for what `cpiox create` writes: newc/crc/newcx headers, newcx xattr blocks,
// METADATA!!! records and .xattr-list path entries (the layouts of docs/FORMATS.md §1, §3).
import type { Xattr } from "../entries.js";

export type CreateFormat = "newc" | "crc" | "newcx";

export interface HeaderFields {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  name: Buffer;
  checksum: number;
  xattrBlock: Buffer | null;
}

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Header, name and padding (newcx: and the xattr block with its padding): all before the data. */
export function encodeHeader(format: CreateFormat, f: HeaderFields): Buffer {
  const namesize = f.name.length + 1;
  let head: string;
  if (format === "newcx") {
    const block = f.xattrBlock ?? Buffer.alloc(0);
    head = "070703" + [f.ino, f.mode, f.uid, f.gid, f.nlink].map((n) => hex(n, 8)).join("") +
      hex(f.mtime, 16) + hex(0, 8) + hex(f.size, 16) +
      [f.devMajor, f.devMinor, f.rdevMajor, f.rdevMinor, namesize, block.length].map((n) => hex(n, 8)).join("");
    const nameEnd = head.length + namesize;
    return Buffer.concat([Buffer.from(head, "latin1"), f.name, Buffer.alloc(1 + pad4(nameEnd)), block, Buffer.alloc(pad4(block.length))]);
  }
  head = (format === "crc" ? "070702" : "070701") +
    [f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime, f.size, f.devMajor, f.devMinor, f.rdevMajor, f.rdevMinor, namesize,
      format === "crc" ? f.checksum : 0].map((n) => hex(n >>> 0, 8)).join("");
  return Buffer.concat([Buffer.from(head, "latin1"), f.name, Buffer.alloc(1 + pad4(110 + namesize))]);
}

export const dataPadding = (size: number) => Buffer.alloc(pad4(size));

/** One xattr entry: 8 hex digits of total size, name, NUL, value (newcx blocks, .xattr-list). */
export function xattrEntry(x: Xattr): Buffer {
  return Buffer.concat([Buffer.from(hex(8 + x.name.length + 1 + x.value.length, 8)), x.name, Buffer.from([0]), x.value]);
}

/** One METADATA!!! record per xattr: size (lower-case %.8lx, as gen_init_cpio), version 1, type 1. */
export function metadataRecords(xattrs: Xattr[]): Buffer {
  return Buffer.concat(xattrs.map((x) => {
    const size = 10 + x.name.length + 1 + x.value.length;
    return Buffer.concat([Buffer.from(size.toString(16).padStart(8, "0")), Buffer.from([1, 1]), x.name, Buffer.from([0]), x.value]);
  }));
}

/** One .xattr-list path entry: 10 hex digits of total size, path, NUL, xattr entries. */
export function xattrListEntry(path: Buffer, xattrs: Xattr[]): Buffer {
  const body = Buffer.concat([path, Buffer.from([0]), ...xattrs.map(xattrEntry)]);
  return Buffer.concat([Buffer.from(hex(10 + body.length, 10)), body]);
}
