// METADATA!!! records (Zohar/Sassu v4, 2019): 8 hex digits of total size (those 8 included),
// a version byte (1), a type byte (1 = xattr), then for xattrs the name, NUL and the raw value.
// Decoded into XATTR_TABLE like newcx blocks.
import { XR_MALFORMED } from "../abi";
import { hexAt } from "../header";
import { storeXattr } from "./block";

const RECORD_HEADER: u32 = 10;
const TYPE_XATTR: u8 = 1;
const VERSION: u8 = 1;

/** Offset of the record a decode stopped at or failed on. */
export let metadataAt: u32 = 0;
/** Records of an unknown type that were skipped. */
export let metadataUnknownTypes: i32 = 0;
/** True when a record with an unsupported version ended the decode (the kernel stops there). */
export let metadataVersionStop: bool = false;

// Decodes the records in [at, at+len). Returns the number of xattrs, -1 when a record is
// malformed (metadataAt says where), -2 for more than XATTR_MAX_COUNT.
export function decodeMetadata(at: usize, len: u32): i32 {
  let off: u32 = 0;
  let n: i32 = 0;
  metadataUnknownTypes = 0;
  metadataVersionStop = false;
  while (off < len) {
    metadataAt = off;
    if (len - off < RECORD_HEADER) return XR_MALFORMED;     // shorter than its header
    const size = hexAt(at + <usize>off, 8);
    if (size < 0) return XR_MALFORMED;
    const total = <u32>size;
    if (total < RECORD_HEADER || total > len - off) return XR_MALFORMED;
    const version = load<u8>(at + <usize>(off + 8));
    const type = load<u8>(at + <usize>(off + 9));
    if (version != VERSION) {
      metadataVersionStop = true;
      return n;
    }
    if (type != TYPE_XATTR) {
      metadataUnknownTypes++;
      off += total;
      continue;
    }
    const r = storeXattr(n, at + <usize>(off + RECORD_HEADER), total - RECORD_HEADER);
    if (r < 0) return r;                          // name without NUL, or too many
    n++;
    off += total;
  }
  return n;
}
