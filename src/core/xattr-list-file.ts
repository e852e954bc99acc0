// .xattr-list files (the 2019 v2/v3 proposal): path entries naming files anywhere in the tree,
// with their xattrs. The body is buffered (bounded), validated whole by the core before anything
// is applied, and applied when a newer list replaces it and at the end of the input.
import * as A from "./abi.js";
import { CpioxError } from "../errors.js";
import type { Entry, Xattr } from "../entries.js";
import { BufferedBody } from "./metadata-file.js";
import type { Core } from "./wasm.js";
import { readXattrTable } from "./xattr-table.js";
import { splitName } from "../kernel/names.js";

export const XATTR_LIST_NAME = ".xattr-list";
/** A .xattr-list body is buffered whole; a larger one is refused. */
export const XATTR_LIST_MAX = 64 << 20;
const DECODE_AT = A.DECODE_AT;

export interface XattrListPath {
  path: Buffer;
  xattrs: Xattr[];
}

/** The list at the archive's root, however the name is spelled (".xattr-list", "./.xattr-list", "/.xattr-list"). */
export function isXattrListFile(e: Entry): boolean {
  // Cheap test first: this runs for every entry.
  if (e.type !== "file" || e.name.length < XATTR_LIST_NAME.length || e.name[e.name.length - 1] !== 0x74) return false;
  const parts = splitName(e.name);
  return parts.length === 1 && parts[0].toString("latin1") === XATTR_LIST_NAME;
}

export class XattrListFile extends BufferedBody {
  constructor(entry: Entry, dataStart: number) {
    super(entry, dataStart, XATTR_LIST_MAX);
  }

  /** Every path entry, or an error for the first malformed one (nothing is applied then). */
  decode(core: Core): XattrListPath[] {
    const ex = core.exports;
    const room = core.input.length - DECODE_AT;
    const out: XattrListPath[] = [];
    let off = 0;
    while (off < this.filled) {
      const avail = Math.min(room, this.filled - off);
      core.input.set(this.body.subarray(off, off + avail), DECODE_AT);
      const n = ex.xattrListDecode(DECODE_AT, avail);
      if (n < 0) {
        const why = n === A.XR_TOO_MANY ? `more than ${A.XATTR_MAX_COUNT} xattrs for one path`
          : n === A.XR_TOO_LARGE && avail === room ? `a path entry larger than ${room} bytes`
          : "malformed .xattr-list entry: a size below its header or past the end of the file, a path or name without NUL";
        throw new CpioxError("CPIOX_XATTR_MALFORMED", why,
          { offset: this.dataStart + off + (n === A.XR_MALFORMED ? ex.xattrListErrorAt() : 0), member: this.entry.member, entry: this.entry.path });
      }
      const pathAt = DECODE_AT + ex.xattrListPathAt();
      out.push({ path: Buffer.from(core.input.subarray(pathAt, pathAt + ex.xattrListPathLen())), xattrs: readXattrTable(core, n) });
      off += ex.xattrListEntrySize();
    }
    return out;
  }
}
