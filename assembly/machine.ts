// The entry state machine: the kernel's Start/GotHeader/GotName/GotSymlink/SkipIt/Reset states,
// driven by step() with exactly the metadata bytes it asked for. Bodies never enter here.
// newcx (070703) entries add a 134-byte header and an xattr block between name and data.
import {
  XR_TOO_MANY,
  OP_NEED, OP_ENTRY, OP_SKIP, OP_STOP, OP_ERROR, MODE_RESET, MODE_START,
  CTL_OP, CTL_WANT_MIN, CTL_WANT_MAX, CTL_CONSUMED, CTL_CODE, CTL_POS, CTL_SKIP, CTL_IN_AT, CTL_ERROR_AT,
  REC_FORMAT, REC_INO, REC_MODE, REC_UID, REC_GID, REC_NLINK, REC_MTIME, REC_FILESIZE,
  REC_DEV_MAJOR, REC_DEV_MINOR, REC_RDEV_MAJOR, REC_RDEV_MINOR, REC_NAMESIZE, REC_CHECKSUM,
  REC_OFFSET, REC_NAME_LEN, REC_LINK_AT, REC_LINK_LEN, REC_DATA_LEN, REC_DATA_PAD, REC_FLAGS,
  REC_RAW_MODE, REC_XATTR_COUNT, REC_MTIME_NSEC, F_TRAILER, F_CHECKSUM, F_DISCARD_BODY, F_MODE_HIGH_BITS,
  E_ODC_MAGIC, E_NO_MAGIC, E_BAD_HEX, E_BROKEN_PADDING, E_NAME_NO_NUL, E_BAD_CHECKSUM, E_PROTOCOL,
  E_XATTR_FRAMING, E_XATTR_TOO_BIG, E_HUGE_FIELD, W_NAME_SIZE, W_SYMLINK_TOO_LONG, W_DATA_ON_SPECIAL,
  PATH_MAX, HEADER_SIZE, NEWCX_HEADER_SIZE, SCAN_MAX, XATTR_BLOCK_MAX, FORMAT_CRC, FORMAT_NEWCX,
} from "./abi";
import { IN, ctl, rec } from "./memory";
import { hex8, magicKind, nameAlign, align4 } from "./header";
import { decodeXattrEntries, xattrErrorAt } from "./xattr/block";

const S_ZEROS: i32 = 0;    // skipping NUL padding (TOP or RESET flavour)
const S_HEADER: i32 = 1;   // waiting for 110 header bytes
const S_NAME: i32 = 2;     // waiting for the padded name (newc: and the symlink target)
const S_BODY: i32 = 3;     // caller is handling the body; waiting for bodyDone()
const S_SKIPPED: i32 = 4;  // caller is discarding bytes; waiting for step(0)
const S_FAILED: i32 = 5;
const S_HEADER_X: i32 = 6; // newcx: waiting for the header's last 24 bytes
const S_XATTRS: i32 = 7;   // newcx: waiting for the padded xattr block
const S_TARGET: i32 = 8;   // newcx: waiting for the symlink target

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

let state: i32 = S_ZEROS;
let checkAlignment: bool = false; // RESET flavour of S_ZEROS
let pos: u64 = 0;                  // stream offset of the next byte the caller will feed
let mode: u32 = 0;
let filesize: u64 = 0;
let namesize: u64 = 0;
let xattrsize: u64 = 0;
let checksum: u32 = 0;
let format: i32 = 0;
let rawMode: u32 = 0;
let headerAt: u64 = 0;   // stream offset of the current header
let dataAt: u64 = 0;     // stream offset of the current entry's data
let nextHeader: u64 = 0; // stream offset of the next header
let skipReason: i32 = 0; // non-zero: the entry is skipped, for this warning
let inAt: u32 = 0;       // where in IN the pending NEED lands
// Padding after an entry is usually absent or short: start scanning with a small window (so the
// caller copies little) and widen it while everything seen is zeros.
const SCAN_FIRST: i32 = 16;
let scanWindow: i32 = SCAN_FIRST;

function need(min: i32, max: i32): i32 {
  ctl(CTL_WANT_MIN, <f64>min);
  ctl(CTL_WANT_MAX, <f64>max);
  ctl(CTL_IN_AT, <f64>inAt);
  return emit(OP_NEED);
}

function emit(op: i32): i32 {
  ctl(CTL_OP, <f64>op);
  ctl(CTL_POS, <f64>pos);
  return op;
}

function fail(code: i32): i32 {
  state = S_FAILED;
  ctl(CTL_CODE, <f64>code);
  return emit(OP_ERROR);
}

function skip(warning: i32): i32 {
  ctl(CTL_SKIP, <f64>(nextHeader - pos));
  ctl(CTL_CODE, <f64>warning);
  pos = nextHeader;
  state = S_SKIPPED;
  return emit(OP_SKIP);
}

export function begin(offset: f64, streamMode: i32): i32 {
  pos = <u64>offset;
  inAt = 0;
  if (streamMode == MODE_START) {
    state = S_HEADER;
    return need(HEADER_SIZE, HEADER_SIZE);
  }
  state = S_ZEROS;
  checkAlignment = streamMode == MODE_RESET;
  scanWindow = SCAN_FIRST;
  return need(1, scanWindow);
}

export function step(fed: i32): i32 {
  ctl(CTL_CONSUMED, <f64>fed);
  if (state == S_ZEROS) return scanZeros(fed);
  if (state == S_HEADER) return fed == HEADER_SIZE ? gotHeader() : fail(E_PROTOCOL);
  if (state == S_HEADER_X) return fed == NEWCX_HEADER_SIZE - HEADER_SIZE ? gotNewcxHeader() : fail(E_PROTOCOL);
  if (state == S_NAME) return gotName(fed);
  if (state == S_XATTRS) return gotXattrs(fed);
  if (state == S_TARGET) return gotTarget(fed);
  if (state == S_SKIPPED && fed == 0) return afterEntry();
  return fail(E_PROTOCOL);
}

// The caller delivered the body and its padding; sum is the 32-bit byte sum of the body.
export function bodyDone(sum: u32): i32 {
  if (state != S_BODY) return fail(E_PROTOCOL);
  if (format == FORMAT_CRC && (mode & S_IFMT) == S_IFREG && sum != checksum) return fail(E_BAD_CHECKSUM);
  return afterEntry();
}

// True when the stream may end here (the kernel's Reset state).
export function atRest(): bool { return state == S_ZEROS; }

export function position(): f64 { return <f64>pos; }

function afterEntry(): i32 {
  state = S_ZEROS;
  checkAlignment = true;
  inAt = 0;
  scanWindow = SCAN_FIRST;
  ctl(CTL_CONSUMED, 0);
  return need(1, scanWindow);
}

function scanZeros(fed: i32): i32 {
  let i: i32 = 0;
  // 16 bytes at a time while they are all zero.
  while (i + 16 <= fed && v128.any_true(v128.load(IN + <usize>i)) == false) i += 16;
  while (i < fed && load<u8>(IN + <usize>i) == 0) i++;
  pos += <u64>i;
  ctl(CTL_CONSUMED, <f64>i);
  if (i == fed) {
    if (scanWindow < SCAN_MAX) scanWindow <<= 1;
    return need(1, scanWindow);
  }
  const c = load<u8>(IN + <usize>i);
  const aligned = (pos & 3) == 0;
  if (checkAlignment && !aligned) return fail(E_BROKEN_PADDING);
  if (c == 0x30 && aligned) {
    state = S_HEADER;
    inAt = 0;
    const op = need(HEADER_SIZE, HEADER_SIZE);
    ctl(CTL_CONSUMED, <f64>i);
    return op;
  }
  return emit(OP_STOP);
}

// A 16-digit newcx field as a number; -1 on a bad digit, -2 beyond 2^53.
function hex16(at: usize): f64 {
  const hi = hex8(at), lo = hex8(at + 8);
  if (hi < 0 || lo < 0) return -1;
  if (hi > 0x1fffff) return -2;
  return <f64>hi * 4294967296.0 + <f64>lo;
}

function gotHeader(): i32 {
  const kind = magicKind();
  if (kind == 7) return fail(E_ODC_MAGIC);
  if (kind == 0) return fail(E_NO_MAGIC);
  format = kind;
  headerAt = pos;
  pos += HEADER_SIZE;
  if (kind == FORMAT_NEWCX) {
    state = S_HEADER_X;
    inAt = HEADER_SIZE;
    return need(NEWCX_HEADER_SIZE - HEADER_SIZE, NEWCX_HEADER_SIZE - HEADER_SIZE);
  }
  // 13 fields of 8 hex digits after the 6-byte magic.
  for (let f: i32 = 0; f < 13; f++) {
    const v = hex8(6 + <usize>f * 8);
    if (v < 0) return fail(E_BAD_HEX);
    fields[f] = <u32>v;
  }
  rawMode = fields[1];
  filesize = <u64>fields[6];
  namesize = <u64>fields[11];
  checksum = fields[12];
  xattrsize = 0;
  record(<f64>fields[5], 0, fields[7], fields[8], fields[9], fields[10]);
  return afterHeader();
}

function gotNewcxHeader(): i32 {
  pos += <u64>(NEWCX_HEADER_SIZE - HEADER_SIZE);
  // ino, mode, uid, gid, nlink (8 each), mtime (16), mtime sub-second (8), filesize (16),
  // devmajor, devminor, rdevmajor, rdevminor, namesize, xattrsize (8 each).
  for (let f: i32 = 0; f < 5; f++) {
    const v = hex8(6 + <usize>f * 8);
    if (v < 0) return fail(E_BAD_HEX);
    fields[f] = <u32>v;
  }
  const mtime = hex16(46);
  const nsec = hex8(62);
  const size = hex16(70);
  if (mtime == -1 || size == -1 || nsec < 0) return fail(E_BAD_HEX);
  if (mtime < 0 || size < 0) return fail(E_HUGE_FIELD);
  for (let f: i32 = 0; f < 6; f++) {
    const v = hex8(86 + <usize>f * 8);
    if (v < 0) return fail(E_BAD_HEX);
    fields[7 + f] = <u32>v;
  }
  rawMode = fields[1];
  filesize = <u64>size;
  namesize = <u64>fields[11];
  xattrsize = <u64>fields[12];
  checksum = 0;
  // ino, mode, uid, gid, nlink sit in fields[0..5) as for newc.
  record(mtime, <f64>nsec, fields[7], fields[8], fields[9], fields[10]);
  return afterHeader();
}

function record(mtime: f64, nsec: f64, maj: u32, min: u32, rmaj: u32, rmin: u32): void {
  mode = rawMode & 0xffff;
  rec(REC_OFFSET, <f64>headerAt);
  rec(REC_FORMAT, <f64>format);
  rec(REC_INO, <f64>fields[0]);
  rec(REC_MODE, <f64>mode);
  rec(REC_RAW_MODE, <f64>rawMode);
  rec(REC_UID, <f64>fields[2]);
  rec(REC_GID, <f64>fields[3]);
  rec(REC_NLINK, <f64>fields[4]);
  rec(REC_MTIME, mtime);
  rec(REC_MTIME_NSEC, nsec);
  rec(REC_FILESIZE, <f64>filesize);
  rec(REC_DEV_MAJOR, <f64>maj);
  rec(REC_DEV_MINOR, <f64>min);
  rec(REC_RDEV_MAJOR, <f64>rmaj);
  rec(REC_RDEV_MINOR, <f64>rmin);
  rec(REC_NAMESIZE, <f64>namesize);
  rec(REC_CHECKSUM, <f64>checksum);
  rec(REC_NAME_LEN, 0);
  rec(REC_LINK_LEN, 0);
  rec(REC_LINK_AT, 0);
  rec(REC_FLAGS, 0);
  rec(REC_XATTR_COUNT, 0);
}

const fields = new StaticArray<u32>(13);

function afterHeader(): i32 {
  const padded = nameAlign(namesize);
  dataAt = xattrsize > 0 ? align4(pos + padded + xattrsize) : pos + padded;
  nextHeader = align4(dataAt + filesize);
  if (namesize == 0 || namesize > <u64>PATH_MAX) return skip(W_NAME_SIZE);
  const type = mode & S_IFMT;
  skipReason = 0;
  if (type == S_IFLNK && filesize > <u64>PATH_MAX) skipReason = W_SYMLINK_TOO_LONG;
  else if (type != S_IFREG && type != S_IFLNK && filesize != 0) skipReason = W_DATA_ON_SPECIAL;
  let want = padded;
  // newc: the symlink target follows the name directly and is collected with it.
  if (format != FORMAT_NEWCX && type == S_IFLNK && skipReason == 0) want += filesize;
  state = S_NAME;
  inAt = 0;
  return need(<i32>want, <i32>want);
}

function cstrlen(at: usize, max: usize): usize {
  let n: usize = 0;
  while (n < max && load<u8>(IN + at + n) != 0) n++;
  return n;
}

function gotName(fed: i32): i32 {
  pos += <u64>fed;
  rec(REC_NAME_LEN, <f64>cstrlen(0, <usize>namesize));
  // The kernel skips these without looking at the name; we read it only to report it.
  if (skipReason != 0) return skip(skipReason);
  if (load<u8>(IN + <usize>namesize - 1) != 0) return fail(E_NAME_NO_NUL);
  if (xattrsize > 0) {
    if (xattrsize > <u64>XATTR_BLOCK_MAX) return fail(E_XATTR_TOO_BIG);
    state = S_XATTRS;
    inAt = <u32>nameAlign(namesize);
    const want = <i32>(dataAt - pos);
    return need(want, want);
  }
  return afterXattrs();
}

function gotXattrs(fed: i32): i32 {
  const blockAt = IN + <usize>inAt;
  pos += <u64>fed;
  const n = decodeXattrEntries(blockAt, <u32>xattrsize);
  if (n == XR_TOO_MANY) return fail(E_XATTR_TOO_BIG);
  if (n < 0) {
    ctl(CTL_ERROR_AT, <f64>(dataAt - <u64>fed + <u64>xattrErrorAt)); // stream offset of the bad entry
    return fail(E_XATTR_FRAMING);
  }
  rec(REC_XATTR_COUNT, <f64>n);
  return afterXattrs();
}

function afterXattrs(): i32 {
  if (format == FORMAT_NEWCX && (mode & S_IFMT) == S_IFLNK) {
    state = S_TARGET;
    inAt = <u32>nameAlign(namesize) + <u32>align4(xattrsize);
    return need(<i32>filesize, <i32>filesize);
  }
  const linkAt = <u32>nameAlign(namesize);
  return entry(linkAt);
}

function gotTarget(fed: i32): i32 {
  pos += <u64>fed;
  return entry(inAt);
}

function entry(linkAt: u32): i32 {
  const type = mode & S_IFMT;
  let flags: i32 = format == FORMAT_CRC ? F_CHECKSUM : 0;
  if (rawMode > 0xffff) flags |= F_MODE_HIGH_BITS;
  let dataLen: u64 = 0;
  if (type == S_IFLNK) {
    rec(REC_LINK_AT, <f64>linkAt);
    rec(REC_LINK_LEN, <f64>cstrlen(<usize>linkAt, <usize>filesize));
  } else {
    dataLen = filesize;
  }
  if (cstrlen(0, <usize>namesize) == 10 && isTrailer()) {
    flags |= F_TRAILER;
    if (dataLen > 0) flags |= F_DISCARD_BODY;
  }
  rec(REC_FLAGS, <f64>flags);
  rec(REC_DATA_LEN, <f64>dataLen);
  rec(REC_DATA_PAD, <f64>(nextHeader - pos - dataLen));
  pos = nextHeader;
  state = S_BODY;
  return emit(OP_ENTRY);
}

function isTrailer(): bool {
  // "TRAILER!!!"
  return load<u64>(IN) == 0x2152454c49415254 && load<u16>(IN + 8) == 0x2121;
}
