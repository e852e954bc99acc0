// The xattr entry list shared by newcx blocks and .xattr-list path entries: each entry is 8 hex
// digits of total size (those 8 included), the name with its NUL, then the raw value. Decoded
// into XATTR_TABLE as (nameAt, nameLen, valueAt, valueLen) offsets into the core's memory.
import { XATTR_MAX_COUNT, XR_MALFORMED, XR_TOO_MANY } from "../abi";
import { hexAt } from "../header";

export const XATTR_TABLE: usize = memory.data(XATTR_MAX_COUNT * 16, 16);
const ENTRY_HEADER: u32 = 8;

/** Offset (from `at`) of the first malformed byte after a failed decode. */
export let xattrErrorAt: u32 = 0;

// Decodes the entries in [at, at+len). Returns their count, or -1 (malformed: xattrErrorAt says
// where) or -2 (more than XATTR_MAX_COUNT).
export function decodeXattrEntries(at: usize, len: u32): i32 {
  let off: u32 = 0;
  let n: i32 = 0;
  while (off < len) {
    xattrErrorAt = off;
    if (len - off < ENTRY_HEADER) return XR_MALFORMED;          // no room for the size field
    const size = hexAt(at + <usize>off, 8);
    if (size < 0) return XR_MALFORMED;                           // not 8 hex digits
    const total = <u32>size;
    if (total < ENTRY_HEADER + 1 || total > len - off) return XR_MALFORMED; // smaller than its header, or past the end
    const r = storeXattr(n, at + <usize>(off + ENTRY_HEADER), total - ENTRY_HEADER);
    if (r < 0) return r;
    n++;
    off += total;
  }
  return n;
}

// Records "name NUL value" filling `room` bytes at nameAt as table slot n. The NUL must lie
// inside the room (-1 otherwise); -2 when the table is full.
export function storeXattr(n: i32, nameAt: usize, room: u32): i32 {
  let nameLen: u32 = 0;
  while (nameLen < room && load<u8>(nameAt + <usize>nameLen) != 0) nameLen++;
  if (nameLen == room) return XR_MALFORMED;
  if (n >= XATTR_MAX_COUNT) return XR_TOO_MANY;
  const slot = XATTR_TABLE + (<usize>n << 4);
  store<u32>(slot, <u32>nameAt);
  store<u32>(slot + 4, nameLen);
  store<u32>(slot + 8, <u32>(nameAt + <usize>nameLen + 1));
  store<u32>(slot + 12, room - nameLen - 1);
  return 0;
}
