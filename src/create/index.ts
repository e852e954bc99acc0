// `cpiox create`: an initramfs of one or more members (an uncompressed early one, then a
// compressed main one, as mkinitramfs and dracut write them), each from a directory or a list
// file, in newc, crc or newcx, carrying the tree's xattrs in one of the three encodings, each
// member in any compression the kernel reads; streamed, bodies never held whole.
import { createReadStream, createWriteStream, mkdtempSync, openSync, readSync, closeSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { CpioxError, fsError } from "../errors.js";
import { whileBuilding } from "../process/cleanup.js";
import type { Xattr } from "../entries.js";
import { byteSum } from "../kernel/checksum.js";
import { dataPadding, encodeHeader, metadataRecords, xattrEntry, xattrListEntry, type CreateFormat } from "./encode.js";
import { walkTree, type ArchiveItem } from "./tree.js";
import { COMPRESSORS, compressionLevel, type CreateCompression } from "./compress/index.js";
import { listFileSections, parseListFile } from "./list-file.js";

export type { CreateCompression } from "./compress/index.js";
export type XattrEncoding = "none" | "newcx" | "metadata" | "xattr-list";

/** One member of the image: its own cpio archive (own TRAILER!!!), from a directory or a list file. */
export interface CreateMember {
  /** The directory to archive (or use `listFile`). */
  cwd?: string;
  /** A gen_init_cpio-style list file's text, instead of a directory. */
  listFile?: string;
  compress?: CreateCompression;
  /** The compression's level (default: the one mkinitramfs uses, see the README). */
  level?: number;
}

export interface CreateOptions extends CreateMember {
  /**
   * Several members, written in this order (instead of `cwd`/`listFile`); a list file may also
   * hold several, separated by `#cpio: KIND [-LEVEL]` lines.
   */
  members?: CreateMember[];
  /** Where to write: a path, or a writable stream (default: stdout from the CLI). */
  output: string | Writable;
  format?: CreateFormat;
  xattrs?: XattrEncoding;
  /** Clamp every mtime to this (SOURCE_DATE_EPOCH), for reproducible images. */
  sourceDateEpoch?: number;
}

export interface CreatedMember {
  offset: number;
  compress: CreateCompression;
  level: number | null;
  entries: number;
  /** Bytes of cpio, before compression. */
  bytes: number;
  /** Bytes written for the member, with the padding after it. */
  size: number;
}

export interface CreateResult {
  /** Entries and bytes of cpio over all members. */
  entries: number;
  bytes: number;
  members: CreatedMember[];
}

const COPY_CHUNK = 1 << 20;

/** Staging for the cpio stream: small header writes reach a compressor in batches this large. */
const BATCH = 1 << 20;

interface PlannedMember {
  items: ArchiveItem[];
  compress: CreateCompression;
  level: number | undefined;
}

/** The members to write, each with its entries read (or its list parsed) and its level checked. */
function planMembers(options: CreateOptions, now: number, withXattrs: boolean): PlannedMember[] {
  const given = options.members ?? [{ cwd: options.cwd, listFile: options.listFile, compress: options.compress, level: options.level }];
  if (options.members && (options.cwd !== undefined || options.listFile !== undefined || options.compress !== undefined || options.level !== undefined)) {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", "give members, or one directory or list file with its compression, not both");
  }
  if (!given.length) throw new CpioxError("CPIOX_BAD_ARGUMENT", "an image needs at least one member");
  const planned: PlannedMember[] = [];
  for (const m of given) {
    if ((m.cwd === undefined) === (m.listFile === undefined)) {
      throw new CpioxError("CPIOX_BAD_ARGUMENT", "give either a directory or a list file for each member");
    }
    if (m.cwd !== undefined) {
      const compress = m.compress ?? "none";
      planned.push({ items: walkTree(m.cwd, withXattrs), compress, level: compressionLevel(compress, m.level) });
      continue;
    }
    // A list file's own #cpio sections; the member's compression applies where a section names none.
    for (const section of listFileSections(m.listFile!)) {
      const compress = section.compress ?? m.compress ?? "none";
      const level = section.compress !== undefined ? section.level : m.level;
      planned.push({ items: parseListFile(section.text, now), compress, level: compressionLevel(compress, level) });
    }
  }
  return planned;
}

export async function create(options: CreateOptions): Promise<CreateResult> {
  const format = options.format ?? "newc";
  const encoding = options.xattrs ?? (format === "newcx" ? "newcx" : "none");
  if (encoding === "newcx" && format !== "newcx") {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", "--xattrs newcx needs --format newcx");
  }
  const now = options.sourceDateEpoch ?? Math.floor(Date.now() / 1000);
  const members = planMembers(options, now, encoding !== "none");
  if (typeof options.output !== "string") return writeImage(members, options, format, encoding, options.output);
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
    const r = await writeImage(members, options, format, encoding, createWriteStream(temp, { mode: 0o666 }));
    renameSync(temp, output);
    return r;
  } catch (e) {
    throw fsError("CPIOX_OUTPUT", `cannot write ${output}`, e);
  } finally {
    done();
    discard();
  }
}

/**
 * A member's way into the image: passes what it is given on to the sink (waiting for it to
 * drain) and counts it, while the sink stays open for the next member.
 */
function memberInto(sink: Writable, count: { written: number }): Writable {
  return new Writable({
    highWaterMark: 4 << 20,
    write(chunk: Buffer, _enc, done) {
      count.written += chunk.length;
      if (sink.write(chunk)) done();
      else sink.once("drain", () => done());
    },
  });
}

/** Writes, and waits for a drain when the stream asks for one, unless `failed` settles first. */
async function writeWaiting(w: Writable, chunk: Buffer, failed: Promise<unknown>): Promise<void> {
  if (!w.write(chunk)) await Promise.race([new Promise((r) => w.once("drain", r)), failed]);
}

async function writeImage(
  members: PlannedMember[], options: CreateOptions, format: CreateFormat, encoding: XattrEncoding, sink: Writable,
): Promise<CreateResult> {
  const sinkFailed = new Promise<never>((_, reject) => sink.once("error", reject));
  sinkFailed.catch(() => undefined);
  const count = { written: 0 };
  const result: CreateResult = { entries: 0, bytes: 0, members: [] };
  try {
    for (const [i, m] of members.entries()) {
      const offset = count.written;
      const bytes = await Promise.race([writeMember(m, options, format, encoding, memberInto(sink, count)), sinkFailed]);
      // The next member starts 4-aligned in the whole image, as the kernel needs after a
      // compressed one; after lz4 legacy data a zero word ends the stream first. Nothing after
      // the last member: the decompressors' own tools take trailing zeros for garbage.
      const last = i === members.length - 1;
      const pad = last ? 0 : (4 - (count.written % 4)) % 4 + (m.compress === "lz4" ? 4 : 0);
      if (pad) {
        count.written += pad;
        await writeWaiting(sink, Buffer.alloc(pad), sinkFailed);
      }
      result.members.push({ offset, compress: m.compress, level: m.level ?? null, entries: m.items.length, bytes, size: count.written - offset });
      result.entries += m.items.length;
      result.bytes += bytes;
    }
    sink.end();
    await finished(sink);
  } catch (e) {
    sink.destroy();
    throw fsError("CPIOX_OUTPUT", "cannot write the image", e);
  }
  return result;
}

/** Writes one member's cpio (through its compressor) to the sink; returns its bytes of cpio. */
async function writeMember(
  m: PlannedMember, options: CreateOptions, format: CreateFormat, encoding: XattrEncoding, sink: Writable,
): Promise<number> {
  const raw = new PassThrough({ highWaterMark: 4 << 20 });
  const stages: NodeJS.ReadWriteStream[] = m.compress === "none" ? [] : [COMPRESSORS[m.compress].open(m.level!)];
  const done = pipeline([raw, ...stages, sink]);
  // A failed output stops the writer at once instead of waiting for a drain that never comes.
  done.catch(() => undefined);
  let bytes = 0;
  let batch = Buffer.allocUnsafe(BATCH), batched = 0;
  const push = (b: Buffer) => writeWaiting(raw, b, done);
  const flush = async () => {
    if (!batched) return;
    const full = batch.subarray(0, batched);
    batch = Buffer.allocUnsafe(BATCH);
    batched = 0;
    await push(full);
  };
  const write = async (b: Buffer) => {
    bytes += b.length;
    if (b.length >= BATCH) {
      await flush();
      await push(b);
      return;
    }
    if (batched + b.length > BATCH) await flush();
    batch.set(b, batched);
    batched += b.length;
  };
  const entries = m.items;
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
    await flush();
  } finally {
    raw.end();
  }
  await done;
  return bytes;
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
