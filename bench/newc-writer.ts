// Small in-memory newc archives from entry descriptions (the demo and the benchmarks), on top
// of the header encoder `cpiox create` uses.
import type { EntryType } from "../src/entries.js";
import { dataPadding, encodeHeader } from "../src/create/encode.js";

export interface NewEntry {
  name: string;
  type: EntryType;
  perm: number;
  data?: Uint8Array | string;
  ino: number;
  nlink?: number;
  mtime?: number;
  uid?: number;
  gid?: number;
}

const TYPE_BITS: Partial<Record<EntryType, number>> = {
  file: 0o100000, directory: 0o040000, symlink: 0o120000, fifo: 0o010000, socket: 0o140000,
  char: 0o020000, block: 0o060000,
};

export function encodeEntry(e: NewEntry): Buffer[] {
  const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data as Uint8Array);
  const head = encodeHeader("newc", {
    ino: e.ino, mode: (TYPE_BITS[e.type] ?? 0) | (e.perm & 0o7777), uid: e.uid ?? 0, gid: e.gid ?? 0,
    nlink: e.nlink ?? 1, mtime: e.mtime ?? 0, size: data.length, devMajor: 0, devMinor: 0, rdevMajor: 0,
    rdevMinor: 0, name: Buffer.from(e.name), checksum: 0, xattrBlock: null,
  });
  return [head, data, dataPadding(data.length)];
}

export function encodeArchive(entries: NewEntry[]): Buffer {
  const parts = entries.flatMap(encodeEntry);
  parts.push(...encodeEntry({ name: "TRAILER!!!", type: "trailer", perm: 0, ino: 0 }));
  return Buffer.concat(parts);
}
