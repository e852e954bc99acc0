// The entry record every sink consumes.

export type EntryType =
  | "file" | "directory" | "symlink" | "char" | "block" | "fifo" | "socket" | "unknown" | "trailer";

export interface Xattr {
  /** The full name with its namespace, e.g. security.ima (bytes, as encoded). */
  name: Buffer;
  value: Buffer;
}

export interface Entry {
  format: "newc" | "crc" | "newcx";
  /** The name exactly as stored (up to its first NUL); Linux names need not be UTF-8. */
  name: Buffer;
  /** The name as printable text (invalid UTF-8 bytes shown as \xNN). */
  path: string;
  type: EntryType;
  /** The 16 bits of c_mode the kernel keeps (type and permission bits). */
  mode: number;
  ino: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  /** c_filesize: for symlinks the target's length in the archive. */
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  checksum: number;
  /** Symlink target bytes (up to the first NUL), else null. */
  linkTarget: Buffer | null;
  /** Offset of the header in its stream: the input for plain archives, the decompressed stream otherwise. */
  offset: number;
  /** Index of the member that holds the entry. */
  member: number;
  /** Extended attributes the archive carries for this entry (newcx block), else null. */
  xattrs: Xattr[] | null;
}

export function typeOfMode(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000: return "file";
    case 0o040000: return "directory";
    case 0o120000: return "symlink";
    case 0o020000: return "char";
    case 0o060000: return "block";
    case 0o010000: return "fifo";
    case 0o140000: return "socket";
    default: return "unknown";
  }
}

/** A device number the kernel's 32-bit MKDEV (12-bit major, 20-bit minor) cannot hold: it is mangled. */
export const mangledByMkdev = (e: Pick<Entry, "rdevMajor" | "rdevMinor">) => e.rdevMajor > 0xfff || e.rdevMinor > 0xfffff;

/** Permission bits as four octal digits, e.g. 4755. */
export const octalPermissions = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

// Names are bytes; show valid UTF-8 as is and anything else as \xNN.
export function printableName(name: Uint8Array): string {
  const text = Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString("utf8");
  if (!text.includes("\uFFFD")) return text;
  let out = "";
  for (const b of name) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}
