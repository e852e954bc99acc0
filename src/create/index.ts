// `cpiox create`: an initramfs from a directory, in newc, crc or newcx, carrying the tree's
// xattrs in one of the three encodings, optionally gzip- or zstd-compressed; streamed, bodies
// never held whole.
import { createReadStream, createWriteStream, mkdtempSync, openSync, readSync, closeSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PassThrough, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { CpioxError, fsError } from "../errors.js";
import { whileBuilding } from "../process/cleanup.js";
import type { Xattr } from "../entries.js";
import { byteSum } from "../kernel/checksum.js";
import { dataPadding, encodeHeader, metadataRecords, xattrEntry, xattrListEntry, type CreateFormat } from "./encode.js";
import { walkTree, type ArchiveItem } from "./tree.js";
import { ZstdCompress } from "./zstd.js";
import { parseListFile } from "./list-file.js";

export type XattrEncoding = "none" | "newcx" | "metadata" | "xattr-list";
export type CreateCompression = "none" | "gzip" | "zstd";

export interface CreateOptions {
  /** The directory to archive (or use `listFile`). */
  cwd?: string;
  /** A gen_init_cpio-style list file's text, instead of a directory. */
  listFile?: string;
  /** Where to write: a path, or a writable stream (default: stdout from the CLI). */
  output: string | Writable;
  format?: CreateFormat;
  xattrs?: XattrEncoding;
  compress?: CreateCompression;
  /** Clamp every mtime to this (SOURCE_DATE_EPOCH), for reproducible images. */
  sourceDateEpoch?: number;
}

const COPY_CHUNK = 1 << 20;

export async function create(options: CreateOptions): Promise<{ entries: number; bytes: number }> {
  const format = options.format ?? "newc";
  const encoding = options.xattrs ?? (format === "newcx" ? "newcx" : "none");
  if (encoding === "newcx" && format !== "newcx") {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", "--xattrs newcx needs --format newcx");
  }
  if ((options.cwd === undefined) === (options.listFile === undefined)) {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", "give either a directory or a list file");
  }
  const now = options.sourceDateEpoch ?? Math.floor(Date.now() / 1000);
  const entries = options.listFile !== undefined ? parseListFile(options.listFile, now) : walkTree(options.cwd!, encoding !== "none");
  if (typeof options.output !== "string") return writeImage(entries, options, format, encoding, options.output);
  // A file is written under a temporary name beside it and renamed only when complete, so a
  // failure (or a signal) never leaves a partial image, nor replaces an existing one.
  const output = options.output;
  let temp: string;
  try {
    temp = join(mkdtempSync(join(dirname(output), `.${basename(output)}.cpiox-`)), "image");
  } catch (e) {
    throw fsError("CPIOX_OUTPUT", `cannot write ${output}`, e);
  }
  const discard = () => rmSync(dirname(temp), { recursive: true, force: true });
  const done = whileBuilding(discard);
  try {
    const r = await writeImage(entries, options, format, encoding, createWriteStream(temp, { mode: 0o666 }));
    renameSync(temp, output);
    return r;
  } catch (e) {
    throw fsError("CPIOX_OUTPUT", `cannot write ${output}`, e);
  } finally {
    done();
    discard();
  }
}

async function writeImage(
  entries: ArchiveItem[], options: CreateOptions, format: CreateFormat, encoding: XattrEncoding, sink: Writable,
): Promise<{ entries: number; bytes: number }> {
  const raw = new PassThrough({ highWaterMark: 4 << 20 });
  const done = (options.compress === "gzip" ? pipeline(raw, createGzip({ level: 9 }), sink)
    : options.compress === "zstd" ? pipeline(raw, new ZstdCompress(19), sink)
    : pipeline(raw, sink)).catch((e: unknown) => {
    throw fsError("CPIOX_OUTPUT", "cannot write the image", e);
  });
  // A failed output stops the writer at once instead of waiting for a drain that never comes.
  done.catch(() => undefined);
  let bytes = 0;
  const write = async (b: Buffer) => {
    bytes += b.length;
    if (!raw.write(b)) await Promise.race([new Promise((r) => raw.once("drain", r)), done]);
  };
  let ino = entries.length + 1;
  const special = (name: string, data: Buffer) => encodeEntry(format, {
    ino: ino++, mode: 0o100000, uid: 0, gid: 0, nlink: 1, mtime: 0, size: data.length, devMajor: 0, devMinor: 0,
    rdevMajor: 0, rdevMinor: 0, name: Buffer.from(name), checksum: byteSum(data), xattrBlock: null,
  }, data);
  // A hard-link set's xattrs belong to its inode: written once, on the last instance.
  for (const e of entries) if (e.dataPath && !e.carriesData) e.xattrs = [];
  // The .xattr-list goes first (after "."): it is applied at the end all the same, and readers
  // that stream (cpiox list) can show its xattrs on the entries that follow.
  const list = encoding === "xattr-list"
    ? entries.filter((e) => e.xattrs.length).map((e) => xattrListEntry(listPath(e.name), e.xattrs)) : [];
  try {
    for (const [i, e] of entries.entries()) {
      await writeEntry(e, format, encoding, options.sourceDateEpoch, write);
      if (e.xattrs.length && encoding === "metadata") await write(special("METADATA!!!", metadataRecords(e.xattrs)));
      if (i === 0 && list.length) await write(special(".xattr-list", Buffer.concat(list)));
    }
    await write(encodeEntry(format, {
      ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, devMajor: 0, devMinor: 0, rdevMajor: 0,
      rdevMinor: 0, name: Buffer.from("TRAILER!!!"), checksum: 0, xattrBlock: null,
    }, Buffer.alloc(0)));
    // Pad to a 512-byte multiple, as cpio and gen_init_cpio do.
    await write(Buffer.alloc((512 - (bytes % 512)) % 512));
  } finally {
    raw.end();
  }
  await done;
  return { entries: entries.length, bytes };
}

function listPath(name: Buffer): Buffer {
  return name.toString("latin1") === "." ? Buffer.from("/") : Buffer.concat([Buffer.from("/"), name]);
}

function encodeEntry(format: CreateFormat, f: Parameters<typeof encodeHeader>[1], data: Buffer): Buffer {
  return Buffer.concat([encodeHeader(format, f), data, dataPadding(data.length)]);
}

async function writeEntry(
  e: ArchiveItem, format: CreateFormat, encoding: XattrEncoding, epoch: number | undefined,
  write: (b: Buffer) => Promise<void>,
): Promise<void> {
  const size = e.linkTarget ? e.linkTarget.length : e.dataPath && e.carriesData ? e.size : 0;
  if (format !== "newcx" && size > 0xffffffff) {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", `${e.name.toString()} is larger than newc's 4 GiB limit; use --format newcx`);
  }
  const mtime = epoch !== undefined && e.mtime > epoch ? epoch : e.mtime;
  const fields = {
    ino: e.ino, mode: e.mode, uid: e.uid, gid: e.gid, nlink: e.nlink,
    mtime: Math.max(0, format === "newcx" ? mtime : Math.min(mtime, 0xffffffff)), size,
    devMajor: 0, devMinor: 0, rdevMajor: e.rdevMajor, rdevMinor: e.rdevMinor, name: e.name, checksum: 0,
    xattrBlock: encoding === "newcx" && e.xattrs.length ? Buffer.concat(e.xattrs.map((x: Xattr) => xattrEntry(x))) : null,
  };
  if (!e.dataPath || size === 0) {
    const data = e.linkTarget ?? Buffer.alloc(0);
    await write(encodeEntry(format, fields, data));
    return;
  }
  // Regular file: the crc format needs the sum before the header, so crc reads the file twice.
  if (format === "crc") fields.checksum = fileSum(e.dataPath, size);
  await write(encodeHeader(format, fields));
  let copied = 0;
  try {
    for await (const chunk of createReadStream(e.dataPath as unknown as string, { highWaterMark: COPY_CHUNK, end: size - 1 })) {
      await write(chunk as Buffer);
      copied += (chunk as Buffer).length;
    }
  } catch (err) {
    throw fsError("CPIOX_INPUT", `cannot read ${e.dataPath.toString()}`, err);
  }
  if (copied !== size) throw new CpioxError("CPIOX_INPUT", `${e.dataPath.toString()} changed size while being archived`);
  await write(dataPadding(size));
}

function fileSum(path: Buffer, size: number): number {
  let fd: number;
  try {
    fd = openSync(path as unknown as string, "r");
  } catch (e) {
    throw fsError("CPIOX_INPUT", `cannot read ${path.toString()}`, e);
  }
  const buf = Buffer.allocUnsafe(COPY_CHUNK);
  let sum = 0, left = size;
  try {
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(left, buf.length), null);
      if (n === 0) break;
      sum = (sum + byteSum(buf.subarray(0, n))) >>> 0;
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  return sum;
}
