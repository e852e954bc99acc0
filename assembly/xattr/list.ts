// .xattr-list path entries (Sassu v2/v3, 2019): 10 hex digits of total size (those 10
// included), the path with its NUL, then xattr entries (as in newcx blocks) filling the rest.
// One path entry per call; its xattrs go to XATTR_TABLE.
import { XR_MALFORMED, XR_TOO_LARGE } from "../abi";
import { hexAt } from "../header";
import { decodeXattrEntries, xattrErrorAt } from "./block";

const SIZE_DIGITS: u32 = 10;

/** Total size of the decoded path entry. */
export let listEntrySize: u32 = 0;
/** Offset (from the entry) and length of its path. */
export let listPathAt: u32 = 0;
export let listPathLen: u32 = 0;
/** Offset (from the entry) of the malformed byte after a failure. */
export let listErrorAt: u32 = 0;

// Decodes the path entry at [at, at+avail). Returns its xattr count, -1 when malformed,
// -2 for too many xattrs, -3 when the entry is larger than avail but avail is all there is.
export function decodeXattrListEntry(at: usize, avail: u32): i32 {
  listErrorAt = 0;
  if (avail < SIZE_DIGITS) return XR_MALFORMED;
  const hi = hexAt(at, 2), lo = hexAt(at + 2, 8);
  if (hi < 0 || lo < 0) return XR_MALFORMED;
  if (hi > 0) return XR_TOO_LARGE; // beyond 4 GiB: certainly more than the caller holds
  const total = <u32>lo;
  if (total < SIZE_DIGITS + 1) return XR_MALFORMED;        // smaller than its header and a NUL
  if (total > avail) return XR_TOO_LARGE;
  const pathAt = at + <usize>SIZE_DIGITS;
  const room = total - SIZE_DIGITS;
  let pathLen: u32 = 0;
  while (pathLen < room && load<u8>(pathAt + <usize>pathLen) != 0) pathLen++;
  if (pathLen == room) {
    listErrorAt = SIZE_DIGITS;
    return XR_MALFORMED;                                   // path without NUL
  }
  listEntrySize = total;
  listPathAt = SIZE_DIGITS;
  listPathLen = pathLen;
  const xattrsAt = SIZE_DIGITS + pathLen + 1;
  const n = decodeXattrEntries(at + <usize>xattrsAt, total - xattrsAt);
  if (n == XR_MALFORMED) listErrorAt = xattrsAt + xattrErrorAt;
  return n;
}
