// Hand-built newc/crc archives for edge cases, like the kernel's kunit helper.
export interface HandEntry {
  name: string | Buffer;
  mode?: number;
  data?: string | Buffer;
  ino?: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  mtime?: number;
  devMajor?: number;
  devMinor?: number;
  rdevMajor?: number;
  rdevMinor?: number;
  /** Override c_namesize (default: name length + 1). */
  namesize?: number;
  /** Override c_filesize (default: data length). */
  filesize?: number;
  magic?: string;
  /** Checksum field (default: the byte sum for 070702, 0 otherwise). */
  checksum?: number;
  /** Replace a header field's 8 characters, by field index 0..12 (0 = c_ino). */
  rawField?: [number, string];
  /** Omit the terminating NUL of the name (its byte becomes `P`). */
  noNul?: boolean;
  /** newcx (070703) only: the xattrs, or a raw xattr block (for malformed cases). */
  xattrs?: Array<[string | Buffer, string | Buffer]> | Buffer;
  /** newcx only: override the header's xattrsize. */
  xattrsize?: number;
}

/** One xattr entry as newcx and .xattr-list encode it: 8 hex total size, name, NUL, value. */
export function xattrEntry(name: string | Buffer, value: string | Buffer): Buffer {
  const n = typeof name === "string" ? Buffer.from(name) : name;
  const v = typeof value === "string" ? Buffer.from(value) : value;
  const size = 8 + n.length + 1 + v.length;
  return Buffer.concat([Buffer.from(hex8(size)), n, Buffer.from([0]), v]);
}

function newcxEntry(e: HandEntry, name: Buffer, data: Buffer): Buffer {
  const block = Buffer.isBuffer(e.xattrs) ? e.xattrs : Buffer.concat((e.xattrs ?? []).map(([n, v]) => xattrEntry(n, v)));
  const hex16 = (n: number) => n.toString(16).toUpperCase().padStart(16, "0");
  const namesize = e.namesize ?? name.length + 1;
  const header = "070703" + [e.ino ?? 0, e.mode ?? 0o100644, e.uid ?? 0, e.gid ?? 0, e.nlink ?? 1].map(hex8).join("") +
    hex16(e.mtime ?? 0) + hex8(0) + hex16(e.filesize ?? data.length) +
    [e.devMajor ?? 0, e.devMinor ?? 0, e.rdevMajor ?? 0, e.rdevMinor ?? 0, namesize, e.xattrsize ?? block.length].map(hex8).join("");
  const nameField = Buffer.alloc(Math.max(namesize, name.length));
  name.copy(nameField);
  if (e.noNul) nameField.fill(0x50, name.length);
  const afterName = 134 + nameField.length;
  return Buffer.concat([
    Buffer.from(header, "latin1"), nameField, Buffer.alloc(pad4(afterName)),
    block, Buffer.alloc(pad4(block.length)), data, Buffer.alloc(pad4(data.length)),
  ]);
}

const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, "0");
const pad4 = (n: number) => (4 - (n % 4)) % 4;

export function sumBytes(b: Buffer): number {
  let s = 0;
  for (const x of b) s = (s + x) >>> 0;
  return s;
}

export function entryBytes(e: HandEntry): Buffer {
  const name = typeof e.name === "string" ? Buffer.from(e.name) : e.name;
  const data = e.data === undefined ? Buffer.alloc(0) : typeof e.data === "string" ? Buffer.from(e.data) : e.data;
  const magic = e.magic ?? "070701";
  if (magic === "070703") return newcxEntry(e, name, data);
  const namesize = e.namesize ?? name.length + 1;
  const fields = [
    e.ino ?? 0, e.mode ?? 0o100644, e.uid ?? 0, e.gid ?? 0, e.nlink ?? 1, e.mtime ?? 0,
    e.filesize ?? data.length, e.devMajor ?? 0, e.devMinor ?? 0, e.rdevMajor ?? 0, e.rdevMinor ?? 0,
    namesize, e.checksum ?? (magic === "070702" ? sumBytes(data) : 0),
  ].map(hex8);
  if (e.rawField) fields[e.rawField[0]] = e.rawField[1];
  const header = Buffer.from(magic + fields.join(""), "latin1");
  // A namesize too large to write out (skip tests) gets just the name.
  const nameField = Buffer.alloc(namesize > 65536 ? name.length + 1 : Math.max(namesize, name.length));
  name.copy(nameField);
  if (e.noNul) nameField.fill(0x50, name.length);
  const afterName = 110 + nameField.length;
  return Buffer.concat([
    header, nameField, Buffer.alloc(pad4(afterName)), data, Buffer.alloc(pad4(data.length)),
  ]);
}

export function archive(entries: HandEntry[], trailer = true): Buffer {
  const parts = entries.map(entryBytes);
  if (trailer) parts.push(entryBytes({ name: "TRAILER!!!", mode: 0 }));
  return Buffer.concat(parts);
}
