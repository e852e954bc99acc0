// A minimal newc (070701) entry encoder: enough to build sample images (demo, benchmarks).
import type { EntryType } from "./entries.js";

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

const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, "0");
const pad4 = (n: number) => (4 - (n % 4)) % 4;

export function encodeEntry(e: NewEntry): Buffer[] {
  const name = Buffer.from(e.name);
  const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data as Uint8Array);
  const mode = (e.type === "trailer" ? 0 : TYPE_BITS[e.type] ?? 0) | (e.perm & 0o7777);
  const fields = [e.ino, mode, e.uid ?? 0, e.gid ?? 0, e.nlink ?? 1, e.mtime ?? 0, data.length,
    0, 0, 0, 0, name.length + 1, 0];
  const head = Buffer.from("070701" + fields.map(hex8).join(""), "latin1");
  const namePart = Buffer.alloc(name.length + 1 + pad4(110 + name.length + 1));
  name.copy(namePart);
  return [head, namePart, data, Buffer.alloc(pad4(data.length))];
}

export function encodeArchive(entries: NewEntry[]): Buffer {
  const parts = entries.flatMap(encodeEntry);
  parts.push(...encodeEntry({ name: "TRAILER!!!", type: "trailer", perm: 0, ino: 0 }));
  return Buffer.concat(parts);
}
