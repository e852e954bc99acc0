// The entry record every sink consumes.

export type { EntryType } from "./kernel/modes.js";
import type { EntryType } from "./kernel/modes.js";

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
  /** entries() with `data: true`: a regular file's bytes, as they are read. */
  data?: AsyncIterable<Uint8Array>;
}


export { mangledByMkdev, octalPermissions, typeOfMode } from "./kernel/modes.js";

// Names are bytes. Shown as text, one name is one line and every escape is unambiguous:
// "\\" for a backslash, "\n", "\t", "\r" for those controls (as bsdtar writes them), \xNN for
// any other control byte and for every byte that is not valid UTF-8.
const CONTROL_ESCAPES: Record<number, string> = { 0x0a: "\\n", 0x09: "\\t", 0x0d: "\\r", 0x5c: "\\\\" };

const hexByte = (b: number) => `\\x${b.toString(16).padStart(2, "0")}`;

export function printableName(name: Uint8Array): string {
  const bytes = Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  const text = bytes.toString("utf8");
  if (!text.includes("\uFFFD") && !/[\x00-\x1f\x7f-\x9f\\]/.test(text)) return text;
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const width = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    const seq = width > 1 ? bytes.subarray(i, i + width) : null;
    if (seq && seq.length === width) {
      const ch = seq.toString("utf8");
      const cp = ch.codePointAt(0)!;
      // A well-formed sequence decodes to one code point; C1 controls (U+0080-U+009F) are escaped.
      if (ch.length <= 2 && cp !== 0xfffd && Buffer.byteLength(ch) === width && !(cp >= 0x80 && cp <= 0x9f)) {
        out += ch;
        i += width;
        continue;
      }
    }
    if (width === 1 && b >= 0x20 && b !== 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else out += CONTROL_ESCAPES[b] ?? hexByte(b);
    i++;
  }
  return out;
}
