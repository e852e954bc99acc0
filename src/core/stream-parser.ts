// Drives the WebAssembly core over one byte stream: copies metadata into the core on request,
// hands bodies to the sink as subarrays of the input (never copied), turns ops into events.
import * as A from "./abi.js";
import { instantiateCore, type Core } from "./wasm.js";
import { CpioxError, type ErrorCode, type Warning, type WarningCode } from "../errors.js";
import { type Entry, type Xattr, printableName } from "../entries.js";
import { S_IFLNK, S_IFMT, typeOfMode } from "../kernel/modes.js";
import { byteSum } from "../kernel/checksum.js";
import { isMetadataFile, MetadataFile } from "./metadata-file.js";
import { isXattrListFile, XattrListFile, type XattrListPath } from "./xattr-list-file.js";
import { readXattrTable } from "./xattr-table.js";
import { teeSink, type BodySink } from "./body.js";

const FORMATS: Record<number, Entry["format"]> = { [A.FORMAT_NEWC]: "newc", [A.FORMAT_CRC]: "crc", [A.FORMAT_NEWCX]: "newcx" };

export interface ParserEvents {
  /** A decoded entry; return a BodySink to receive its data (regular files), or null to skip it. */
  entry(entry: Entry): BodySink | null;
  /** Called after an entry's body is complete and verified. */
  entryDone?(entry: Entry): void;
  /** Xattrs from a METADATA!!! file for `target`, the entry processed just before it. */
  metadata?(target: Entry, xattrs: Xattr[], from: Entry): void;
  /** A validated .xattr-list to apply now (a newer one is about to replace it, or the input ended). */
  xattrList?(paths: XattrListPath[], from: Entry): void;
  /** A .xattr-list as soon as it is read and validated (it is applied later, by xattrList). */
  xattrListRead?(paths: XattrListPath[], from: Entry): void;
  warn(w: Warning): void;
}

const SKIP_WARNINGS: Record<number, WarningCode> = {
  [A.W_NAME_SIZE]: "CPIOX_NAME_SIZE",
  [A.W_SYMLINK_TOO_LONG]: "CPIOX_SYMLINK_TOO_LONG",
  [A.W_DATA_ON_SPECIAL]: "CPIOX_DATA_ON_SPECIAL",
};

const CORE_ERRORS: Record<number, [ErrorCode, string]> = {
  [A.E_ODC_MAGIC]: ["CPIOX_ODC_MAGIC", "incorrect cpio method used: use -H newc option (magic 070707)"],
  [A.E_NO_MAGIC]: ["CPIOX_BAD_MAGIC", "no cpio magic"],
  [A.E_BAD_HEX]: ["CPIOX_BAD_HEADER", "damaged header: a field is not 8 hex digits"],
  [A.E_BROKEN_PADDING]: ["CPIOX_BROKEN_PADDING", "broken padding: non-NUL byte at a misaligned offset"],
  [A.E_NAME_NO_NUL]: ["CPIOX_NAME_NOT_TERMINATED", "malformed archive: name not NUL-terminated"],
  [A.E_BAD_CHECKSUM]: ["CPIOX_BAD_CHECKSUM", "bad data checksum"],
  [A.E_PROTOCOL]: ["CPIOX_INTERNAL", "core protocol violation"],
  [A.E_XATTR_FRAMING]: ["CPIOX_XATTR_MALFORMED", "malformed xattr entry: its size is smaller than its header or runs past the block, or its name has no NUL"],
  [A.E_XATTR_TOO_BIG]: ["CPIOX_XATTR_MALFORMED", `xattr block larger than ${A.XATTR_BLOCK_MAX} bytes or with more than ${A.XATTR_MAX_COUNT} entries`],
  [A.E_HUGE_FIELD]: ["CPIOX_BAD_HEADER", "a 64-bit newcx field is beyond 2^53"],
};

const enum Phase { Meta, Body, Skip, Stopped, Failed }

export interface ParserOptions {
  /** Also hand METADATA!!! files to the sink as ordinary files (the kernel patches' behaviour). */
  keepMetadataFiles?: boolean;
}

export type StreamState = "rest" | "header" | "name" | "body" | "skip";

export class StreamParser {
  private readonly core: Core;
  private phase = Phase.Meta;
  private wantMin = 0;
  private wantMax = 0;
  private inAt = 0;         // where in IN the pending metadata goes
  private filled = 0;       // metadata bytes already copied into IN
  private bodyLeft = 0;
  private padLeft = 0;
  private skipLeft = 0;
  private sum = 0;
  private summing = false;
  private body: BodySink | null = null;
  private current: Entry | null = null;
  member = 0;
  /** Entries decoded in the current stream, trailers excluded. */
  entries = 0;
  /** Stream offset just past the last complete entry (0 if none). */
  lastEntryEnd = 0;

  /** The last entry processed (not skipped, not a trailer): what a METADATA!!! file applies to. */
  private previous: Entry | null = null;
  private metadataFile: MetadataFile | null = null;
  private listFile: XattrListFile | null = null;
  /** The last .xattr-list read, not applied yet. */
  private pendingList: { paths: XattrListPath[]; from: Entry } | null = null;

  constructor(private readonly events: ParserEvents, private readonly opts: ParserOptions = {}) {
    this.core = instantiateCore();
  }

  /** Starts a stream at `offset` (alignment is relative to it) in one of the A.MODE_* modes. */
  begin(offset: number, mode: number, member: number): void {
    this.member = member;
    this.entries = 0;
    this.lastEntryEnd = offset;
    this.filled = 0;
    this.phase = Phase.Meta;
    this.onOp(this.core.exports.begin(offset, mode));
  }

  /** Stream offset of the next byte to feed. */
  get position(): number {
    if (this.phase === Phase.Body) return this.core.exports.position() - this.bodyLeft - this.padLeft;
    if (this.phase === Phase.Skip) return this.core.exports.position() - this.skipLeft;
    return this.core.ctl[A.CTL_POS] + this.filled;
  }

  /** Header offset of the entry in progress (meaningful when state is not "rest"). */
  get entryStart(): number {
    if (this.phase === Phase.Body && this.current) return this.current.offset;
    if (this.phase === Phase.Meta && (this.core.exports.atRest() || this.wantMin === A.HEADER_SIZE)) {
      return this.core.ctl[A.CTL_POS];
    }
    return this.core.rec[A.REC_OFFSET];
  }

  /** The name of the entry whose body is in progress, once its header and name were read. */
  get entryName(): string | undefined {
    return this.phase === Phase.Body && this.current ? this.current.path : undefined;
  }

  get stopped(): boolean { return this.phase === Phase.Stopped; }

  /** Where the stream is if it ends now. */
  get state(): StreamState {
    if (this.phase === Phase.Body) return "body";
    if (this.phase === Phase.Skip) return "skip";
    if (this.core.exports.atRest()) return this.filled === 0 ? "rest" : "header";
    return this.wantMin === A.HEADER_SIZE ? "header" : "name";
  }

  /**
   * Feeds bytes. Returns how many were consumed: all of them, unless the core stopped at a
   * byte that is neither a header nor padding (then `stopped` is true and the rest is the caller's).
   */
  push(chunk: Uint8Array): number {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.phase) {
        case Phase.Meta: {
          const take = Math.min(n - i, this.wantMax - this.filled);
          this.core.input.set(chunk.subarray(i, i + take), this.inAt + this.filled);
          if (this.filled + take < this.wantMin) {
            this.filled += take;
            i += take;
            break;
          }
          const before = this.filled;
          this.filled = 0;
          const op = this.core.exports.step(before + take);
          i += this.core.ctl[A.CTL_CONSUMED] - before;
          this.onOp(op);
          if ((this.phase as Phase) === Phase.Stopped) return i;
          break;
        }
        case Phase.Body: {
          if (this.bodyLeft > 0) {
            const take = Math.min(n - i, this.bodyLeft);
            const part = chunk.subarray(i, i + take);
            if (this.summing) this.sum = (this.sum + byteSum(part)) >>> 0;
            this.body?.write(part);
            this.bodyLeft -= take;
            i += take;
          } else {
            const take = Math.min(n - i, this.padLeft);
            this.padLeft -= take;
            i += take;
          }
          if (this.bodyLeft === 0 && this.padLeft === 0) this.finishBody();
          break;
        }
        case Phase.Skip: {
          const take = Math.min(n - i, this.skipLeft);
          this.skipLeft -= take;
          i += take;
          if (this.skipLeft === 0) this.onOp(this.core.exports.step(0));
          break;
        }
        case Phase.Stopped:
          return i;
        default:
          throw new CpioxError("CPIOX_INTERNAL", "push after a failure");
      }
    }
    return i;
  }

  /**
   * Bytes coming next that nobody reads: the data of an entry without a sink (and without a
   * 070702 sum to check), or of a skipped entry. The caller may pass over them unread and report
   * it with passedOver().
   */
  get unreadable(): number {
    if (this.phase === Phase.Body && this.body === null && !this.summing) return this.bodyLeft;
    if (this.phase === Phase.Skip) return this.skipLeft;
    return 0;
  }

  /** `n` (at most `unreadable`) bytes were passed over without being pushed. */
  passedOver(n: number): void {
    if (n === 0) return;
    if (this.phase === Phase.Body) {
      this.bodyLeft -= n;
      if (this.bodyLeft === 0 && this.padLeft === 0) this.finishBody();
    } else {
      this.skipLeft -= n;
      if (this.skipLeft === 0) this.onOp(this.core.exports.step(0));
    }
  }

  private finishBody(): void {
    const entry = this.current!;
    this.body?.end();
    this.body = null;
    this.phase = Phase.Meta;
    const op = this.core.exports.bodyDone(this.sum);
    if (op !== A.OP_ERROR) {
      this.lastEntryEnd = this.core.exports.position();
      if (this.metadataFile) this.applyMetadata(this.metadataFile, entry);
      if (this.listFile) {
        this.pendingList = { paths: this.listFile.decode(this.core), from: entry };
        this.listFile = null;
        this.events.xattrListRead?.(this.pendingList.paths, entry);
      }
      this.events.entryDone?.(entry);
    }
    this.onOp(op);
  }

  /** Hands the pending .xattr-list to the sink: before a newer one, and at the end of the input. */
  flushXattrList(): void {
    const pending = this.pendingList;
    this.pendingList = null;
    if (pending) this.events.xattrList?.(pending.paths, pending.from);
  }

  private applyMetadata(file: MetadataFile, entry: Entry): void {
    this.metadataFile = null;
    const xattrs = file.decode(this.core, (w) => this.events.warn(w));
    if (!xattrs.length) return;
    if (!this.previous) {
      this.events.warn({ code: "CPIOX_METADATA_ORPHAN", message: "METADATA!!! with no entry before it: its xattrs are not applied", offset: entry.offset, member: entry.member, entry: entry.path });
      return;
    }
    this.events.metadata?.(this.previous, xattrs, entry);
  }

  private onOp(op: number): void {
    const ctl = this.core.ctl;
    switch (op) {
      case A.OP_NEED:
        this.phase = Phase.Meta;
        this.wantMin = ctl[A.CTL_WANT_MIN];
        this.wantMax = ctl[A.CTL_WANT_MAX];
        this.inAt = ctl[A.CTL_IN_AT];
        return;
      case A.OP_ENTRY:
        return this.onEntry();
      case A.OP_SKIP: {
        const rec = this.core.rec;
        const nameLen = rec[A.REC_NAME_LEN];
        this.events.warn({
          code: SKIP_WARNINGS[ctl[A.CTL_CODE]] ?? "CPIOX_DATA_ON_SPECIAL",
          message: `entry skipped (mode ${rec[A.REC_MODE].toString(8)}, namesize ${rec[A.REC_NAMESIZE]}, filesize ${rec[A.REC_FILESIZE]})`,
          offset: rec[A.REC_OFFSET],
          member: this.member,
          entry: nameLen > 0 ? printableName(this.core.input.subarray(0, nameLen)) : undefined,
        });
        this.lastEntryEnd = this.core.exports.position();
        this.skipLeft = ctl[A.CTL_SKIP];
        this.phase = Phase.Skip;
        if (this.skipLeft === 0) this.onOp(this.core.exports.step(0));
        return;
      }
      case A.OP_STOP:
        this.phase = Phase.Stopped;
        return;
      case A.OP_ERROR: {
        this.phase = Phase.Failed;
        const [code, message] = CORE_ERRORS[ctl[A.CTL_CODE]] ?? ["CPIOX_INTERNAL", "unknown core error"];
        const entry = this.current && ctl[A.CTL_CODE] === A.E_BAD_CHECKSUM ? this.current : null;
        const xattrAt = ctl[A.CTL_CODE] === A.E_XATTR_FRAMING ? ctl[A.CTL_ERROR_AT] : null;
        throw new CpioxError(code, message, {
          offset: entry ? entry.offset : xattrAt ?? ctl[A.CTL_POS],
          member: this.member,
          entry: entry?.path,
        });
      }
      default:
        throw new CpioxError("CPIOX_INTERNAL", `unknown op ${op}`);
    }
  }

  private onEntry(): void {
    const rec = this.core.rec;
    const input = this.core.input;
    const flags = rec[A.REC_FLAGS];
    const nameLen = rec[A.REC_NAME_LEN];
    const name = Buffer.from(input.subarray(0, nameLen));
    const mode = rec[A.REC_MODE];
    const isSymlink = (mode & S_IFMT) === S_IFLNK;
    const linkAt = rec[A.REC_LINK_AT];
    const entry: Entry = {
      format: FORMATS[rec[A.REC_FORMAT]] ?? "newc",
      name,
      path: printableName(name),
      type: flags & A.F_TRAILER ? "trailer" : typeOfMode(mode),
      mode,
      ino: rec[A.REC_INO],
      uid: rec[A.REC_UID],
      gid: rec[A.REC_GID],
      nlink: rec[A.REC_NLINK],
      mtime: rec[A.REC_MTIME],
      size: rec[A.REC_FILESIZE],
      devMajor: rec[A.REC_DEV_MAJOR],
      devMinor: rec[A.REC_DEV_MINOR],
      rdevMajor: rec[A.REC_RDEV_MAJOR],
      rdevMinor: rec[A.REC_RDEV_MINOR],
      checksum: rec[A.REC_CHECKSUM],
      linkTarget: isSymlink && !(flags & A.F_TRAILER)
        ? Buffer.from(input.subarray(linkAt, linkAt + rec[A.REC_LINK_LEN])) : null,
      offset: rec[A.REC_OFFSET],
      member: this.member,
      xattrs: rec[A.REC_XATTR_COUNT] > 0 ? readXattrTable(this.core, rec[A.REC_XATTR_COUNT]) : null,
    };
    if (flags & A.F_MODE_HIGH_BITS) {
      this.events.warn({
        code: "CPIOX_MODE_HIGH_BITS",
        message: `c_mode ${rec[A.REC_RAW_MODE].toString(8)} kept as ${mode.toString(8)}`,
        offset: entry.offset, member: this.member, entry: entry.path,
      });
    }
    this.current = entry;
    if (entry.type !== "trailer") this.entries++;
    this.bodyLeft = rec[A.REC_DATA_LEN];
    this.padLeft = rec[A.REC_DATA_PAD];
    this.sum = 0;
    this.summing = (flags & A.F_CHECKSUM) !== 0 && entry.type === "file";
    // Where the body starts in the stream: metadata files report their errors from there.
    const dataStart = this.core.exports.position() - this.bodyLeft - this.padLeft;
    if (isXattrListFile(entry)) {
      // The kernel patch applies an existing list just before a newer one replaces it.
      this.flushXattrList();
      const collector = new XattrListFile(entry, dataStart);
      const kept = this.opts.keepMetadataFiles ? this.events.entry(entry) : null;
      this.listFile = collector;
      this.body = kept ? teeSink(collector, kept) : collector;
    } else if (isMetadataFile(entry)) {
      const collector = new MetadataFile(entry, dataStart);
      const kept = this.opts.keepMetadataFiles ? this.events.entry(entry) : null;
      this.metadataFile = collector;
      this.body = kept ? teeSink(collector, kept) : collector;
    } else {
      this.body = this.events.entry(entry);
      if (entry.type !== "trailer") this.previous = entry;
    }
    if (flags & A.F_DISCARD_BODY) this.body = null;
    this.phase = Phase.Body;
    if (this.bodyLeft === 0 && this.padLeft === 0) this.finishBody();
  }
}

