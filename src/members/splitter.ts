// The kernel's outer loop (unpack_to_rootfs): zero padding, plain archives and compressed
// members in any order; each compressed member must end on an entry boundary, and reading
// resumes right after the bytes its decoder consumed.
import { MODE_RESET, MODE_START, MODE_TOP } from "../core/abi.js";
import { StreamParser, type ParserEvents } from "../core/stream-parser.js";
import type { BodySink } from "../core/body.js";
import { CpioxError, type Warning } from "../errors.js";
import type { Entry, Xattr } from "../entries.js";
import { ChunkReader, readerChunks, skipBytes } from "../input/reader.js";
import { BOOTCONFIG_TAIL_MAX, readBootConfig, type BootConfig } from "./bootconfig.js";
import { looksLikePe, unwrapUki, type UkiInfo } from "./uki.js";
import { decoders } from "./decoders/index.js";
import { acquireCodecs, releaseCodecs, type Codecs } from "./decoders/codecs.js";
import type { ContainerFacts } from "./decoders/types.js";
import type { XattrListPath } from "../core/xattr-list-file.js";
import { sniffCompression, type CompressionName } from "./sniff.js";

export interface MemberInfo {
  index: number;
  /** "cpio" for an uncompressed archive, else the compression. */
  kind: "cpio" | CompressionName;
  /** Input offsets: first byte of the member and one past its last byte. */
  start: number;
  end: number;
  compressedSize: number;
  uncompressedSize: number;
  entries: number;
  /** Entries carrying xattrs, per encoding (newcx: in their header's block). */
  xattrEntries: { newcx: number; metadata: number; "xattr-list": number };
  /** What the container header says (compressed members). */
  container?: ContainerFacts;
}

export interface ArchiveOptions extends ArchiveLimits {
  /** Also hand METADATA!!! files to the sink as ordinary files. */
  keepMetadataFiles?: boolean;
}

export interface ArchiveLimits {
  /** Total bytes of cpio data (plain and decompressed) allowed; 0 = no limit. */
  maxSize?: number;
  /** Uncompressed:compressed ratio allowed per compressed member; 0 = no limit. */
  maxRatio?: number;
}

/** Defaults of the decompression-bomb guard (documented in the README). */
export const DEFAULT_MAX_SIZE = 32 * 2 ** 30;
export const DEFAULT_MAX_RATIO = 1000;
/** The ratio is judged only once a member has produced this much: small members may compress well. */
export const RATIO_GRACE = 16 * 2 ** 20;

export interface ArchiveEvents extends ParserEvents {
  memberStart?(m: MemberInfo): void;
  memberEnd?(m: MemberInfo): void;
  /** Awaited after each chunk of input or decompressed output: lets a slow consumer push back. */
  drain?(): Promise<void> | undefined;
}

export interface ArchiveSummary {
  members: MemberInfo[];
  size: number;
  /** The bootconfig trailer the image ends in, if any (not unpacked, as by the kernel). */
  bootconfig?: BootConfig;
  /** For a unified kernel image, its sections; the members' offsets are then those in the initrd inside it. */
  uki?: UkiInfo;
}

function newMember(index: number, kind: MemberInfo["kind"], start: number): MemberInfo {
  return { index, kind, start, end: start, compressedSize: 0, uncompressedSize: 0, entries: 0,
    xattrEntries: { newcx: 0, metadata: 0, "xattr-list": 0 } };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

export async function readArchive(
  source: AsyncIterable<Uint8Array>, events: ArchiveEvents, limits: ArchiveOptions = {},
): Promise<ArchiveSummary> {
  const maxSize = limits.maxSize ?? DEFAULT_MAX_SIZE;
  const maxRatio = limits.maxRatio ?? DEFAULT_MAX_RATIO;
  let total = 0; // cpio bytes seen, plain and decompressed
  const checkSize = (added: number, where: { offset: number; member: number }) => {
    total += added;
    if (maxSize > 0 && total > maxSize) {
      throw new CpioxError("CPIOX_TOO_LARGE", `more than --max-size ${maxSize} bytes of archive data`, where);
    }
  };
  const outer = new ChunkReader(source);
  let reader = outer;
  // A unified kernel image: what follows reads the initrd inside it (.ucode, then .initrd).
  let uki: UkiInfo | undefined;
  if (looksLikePe(await outer.peek(2))) {
    const inner = await unwrapUki(readerChunks(outer));
    reader = new ChunkReader(inner.chunks);
    uki = inner.info;
  }
  const members: MemberInfo[] = [];
  let plain: MemberInfo | null = null;
  let compressed: MemberInfo | null = null;

  const closePlain = (end: number) => {
    if (!plain) return;
    plain.end = end;
    plain.compressedSize = plain.uncompressedSize = end - plain.start;
    events.memberEnd?.(plain);
    plain = null;
  };

  const parser: StreamParser = new StreamParser({
    warn: (w: Warning) => events.warn(w),
    entry(entry: Entry): BodySink | null {
      if (!compressed && !plain) {
        plain = newMember(members.length, "cpio", entry.offset);
        members.push(plain);
        parser.member = entry.member = plain.index;
        events.memberStart?.(plain);
      }
      const m = (compressed ?? plain)!;
      if (entry.type !== "trailer") m.entries++;
      if (entry.xattrs) m.xattrEntries.newcx++;
      return events.entry(entry);
    },
    metadata(target: Entry, xattrs: Xattr[], from: Entry) {
      const m = (compressed ?? plain);
      if (m) m.xattrEntries.metadata++;
      events.metadata?.(target, xattrs, from);
    },
    xattrListRead: (paths: XattrListPath[], from: Entry) => events.xattrListRead?.(paths, from),
    xattrList(paths: XattrListPath[], from: Entry) {
      const m = members[from.member];
      if (m) m.xattrEntries["xattr-list"] += paths.filter((p) => p.xattrs.length).length;
      events.xattrList?.(paths, from);
    },
    entryDone(entry: Entry) {
      events.entryDone?.(entry);
      // A trailer ends a plain archive; what follows is a new member.
      if (entry.type === "trailer" && plain) closePlain(parser.lastEntryEnd);
    },
  }, { keepMetadataFiles: limits.keepMetadataFiles });

  let started = false; // the kernel's state machine leaves Start after the first archive
  let bootconfig: BootConfig | null = null;
  try {
    parser.begin(0, MODE_TOP, 0);
    for (;;) {
      const chunk = await reader.next();
      if (!chunk) break;
      const used = parser.push(chunk);
      // The member these bytes went to: the open plain archive, else the last one that began.
      const into = plain ? (plain as MemberInfo).index : Math.max(members.length - 1, 0);
      checkSize(used, { offset: reader.offset - chunk.length, member: into });
      if (plain) started = true;
      if (!parser.stopped) {
        // Data nobody reads is passed over in the file itself, never read into memory.
        const passed = reader.skipUnread(parser.unreadable);
        if (passed) {
          checkSize(passed, { offset: reader.offset - passed, member: into });
          parser.passedOver(passed);
        }
      }
      await events.drain?.();
      if (!parser.stopped) continue;
      reader.unread(chunk.subarray(used));
      closePlain(parser.lastEntryEnd);
      const start = reader.offset;
      const head = await reader.peek(8); // two decide; eight are quoted in errors
      const kind = sniffCompression(head);
      const where = { offset: start, member: members.length };
      if (!kind) {
        // Not a member: the image may end in a bootconfig trailer, which the kernel reads from
        // the end and never unpacks (a bounded look: the trailer is at most 32 KiB).
        const tail = await reader.peek(BOOTCONFIG_TAIL_MAX + 1);
        const config = tail.length <= BOOTCONFIG_TAIL_MAX ? readBootConfig(tail, start) : null;
        if (config) {
          await skipBytes(reader, tail.length);
          bootconfig = config;
          break;
        }
        throw new CpioxError("CPIOX_INVALID_MAGIC",
          `invalid magic at start of compressed archive: bytes ${hex(head)}`, where);
      }
      const decoder = await decoders[kind]();
      const member = newMember(members.length, kind, start);
      compressed = member;
      members.push(member);
      events.memberStart?.(member);
      parser.begin(0, started ? MODE_RESET : MODE_START, member.index);
      const lent: Codecs[] = [];
      const ctx = {
        reader, start, member: member.index, warn: (w: Warning) => events.warn(w),
        describe: (facts: ContainerFacts) => { member.container = { ...member.container, ...facts }; },
        codecs: () => {
          const c = acquireCodecs();
          lent.push(c);
          return c;
        },
      };
      try {
        for await (const out of decoder.decode(ctx)) {
          member.uncompressedSize += out.length;
          checkSize(out.length, { offset: start, member: member.index });
          const ratio = member.uncompressedSize / Math.max(1, reader.offset - start);
          if (maxRatio > 0 && member.uncompressedSize > RATIO_GRACE && ratio > maxRatio) {
            throw new CpioxError("CPIOX_RATIO_EXCEEDED",
              `${kind} member expands more than --max-ratio ${maxRatio}:1 (${member.uncompressedSize} bytes from ${reader.offset - start})`,
              { offset: start, member: member.index });
          }
          parser.push(out);
          await events.drain?.();
          if (parser.stopped) {
            throw new CpioxError("CPIOX_JUNK_IN_MEMBER",
              `junk within compressed archive: a byte that is neither a header nor NUL padding in the ${kind} member (member at input offset ${start}; offset given in its decompressed data)`,
              { offset: parser.position, member: member.index });
          }
        }
      } finally {
        // The generator has finished (or was closed) by now: its instance can serve the next member.
        lent.forEach(releaseCodecs);
      }
      if (parser.state === "header") {
        // The kernel's "junk at the end of compressed archive", case 1: bytes after the last
        // complete entry that are not a whole header.
        throw new CpioxError("CPIOX_MEMBER_TRAILING_DATA",
          `junk at the end of compressed archive: the ${kind} member (input offset ${start}) has ${parser.position - parser.entryStart} bytes after its last complete entry, fewer than a header`,
          { offset: parser.entryStart, member: member.index });
      }
      if (parser.state !== "rest") {
        throw new CpioxError("CPIOX_MEMBER_ENDS_MID_ENTRY",
          `junk at the end of compressed archive: the ${kind} member (input offset ${start}) ended at ${parser.position} inside the entry starting at ${parser.entryStart} (in its ${parser.state})`,
          { offset: parser.entryStart, member: member.index });
      }
      member.end = reader.offset;
      member.compressedSize = member.end - member.start;
      events.memberEnd?.(member);
      compressed = null;
      started = true;
      parser.begin(reader.offset, MODE_TOP, members.length);
    }
    parser.flushXattrList();
    if (parser.state !== "rest") {
      events.warn({
        code: "CPIOX_TRUNCATED",
        message: `input ends at ${parser.position} inside the entry (in its ${parser.state}); the kernel stops here without an error`,
        offset: parser.entryStart, member: plain ? (plain as MemberInfo).index : members.length,
        entry: parser.entryName,
      });
      closePlain(reader.offset);
    } else closePlain(parser.lastEntryEnd);
    if (uki) uki.initrdSize = reader.offset;
    return { members, size: outer.offset, bootconfig: bootconfig ?? undefined, uki };
  } finally {
    await reader.close();
  }
}
