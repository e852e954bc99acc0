// METADATA!!! files (the 2019 v4 proposal): a regular file of xattr records for the entry
// processed just before it. Its body is collected here (bounded) and decoded by the core.
import * as A from "./abi.js";
import { CpioxError, type Warning } from "../errors.js";
import type { Entry, Xattr } from "../entries.js";
import type { BodySink } from "./body.js";
import type { Core } from "./wasm.js";
import { readXattrTable } from "./xattr-table.js";

export const METADATA_NAME = "METADATA!!!";
/** A METADATA!!! body is buffered whole to be decoded; a larger one is refused. */
export const METADATA_MAX = A.XATTR_BLOCK_MAX;
const DECODE_AT = A.DECODE_AT;

export function isMetadataFile(e: Entry): boolean {
  return e.type === "file" && e.name.length === METADATA_NAME.length && e.name.toString("latin1") === METADATA_NAME;
}

/** A metadata file's body, buffered whole (it is decoded at its end), up to a limit. */
export class BufferedBody implements BodySink {
  protected readonly body: Buffer;
  protected filled = 0;

  constructor(readonly entry: Entry, protected readonly dataStart: number, max: number) {
    if (entry.size > max) {
      throw new CpioxError("CPIOX_XATTR_MALFORMED", `${entry.path} of ${entry.size} bytes is larger than ${max}`,
        { offset: entry.offset, member: entry.member, entry: entry.path });
    }
    this.body = Buffer.alloc(entry.size);
  }

  write(chunk: Uint8Array): void {
    this.body.set(chunk, this.filled);
    this.filled += chunk.length;
  }

  end(): void {}
}

export class MetadataFile extends BufferedBody {
  constructor(entry: Entry, dataStart: number) {
    super(entry, dataStart, METADATA_MAX);
  }

  /** The records' xattrs; malformed framing is an error, unsupported records warnings. */
  decode(core: Core, warn: (w: Warning) => void): Xattr[] {
    const ex = core.exports;
    core.input.set(this.body.subarray(0, this.filled), DECODE_AT);
    const n = ex.metadataDecode(DECODE_AT, this.filled);
    const where = { member: this.entry.member, entry: this.entry.path };
    if (n < 0) {
      throw new CpioxError("CPIOX_XATTR_MALFORMED", n === A.XR_TOO_MANY
        ? `METADATA!!! with more than ${A.XATTR_MAX_COUNT} records`
        : "malformed METADATA!!! record: its size is below its 10-byte header or runs past the file, or its name has no NUL",
      { ...where, offset: this.dataStart + ex.metadataErrorAt() });
    }
    if (ex.metadataStoppedAtVersion()) {
      warn({ code: "CPIOX_METADATA_UNSUPPORTED", message: "a record with a version other than 1: it and the records after it are ignored, as the kernel patch does", ...where, offset: this.dataStart + ex.metadataErrorAt() });
    }
    if (ex.metadataUnknown() > 0) {
      warn({ code: "CPIOX_METADATA_UNSUPPORTED", message: `${ex.metadataUnknown()} record(s) of a type other than xattr (1) skipped`, ...where, offset: this.dataStart });
    }
    return readXattrTable(core, n);
  }
}
