// bzip2 block decoding: Huffman/MTF/RLE2 into the BWT vector, then the inverse BWT and RLE1
// streamed out in pieces (one block can expand to ~45 MB). The bit reader works on a window of
// the compressed stream in CODEC_IN that the caller slides between blocks.
import { CODEC_IN, CODEC_OUT, E_CODEC_INPUT } from "./codec-memory";

export const E_BZ_MAGIC: i32 = -10;      // neither a block nor the end-of-stream magic
export const E_BZ_RANDOMISED: i32 = -11; // randomised blocks (bzip2 < 0.9.5) are not supported
export const E_BZ_DATA: i32 = -12;       // inconsistent block data
export const E_BZ_BLOCK_CRC: i32 = -13;  // a block's CRC does not match its data
export const E_BZ_STREAM_CRC: i32 = -14; // the combined CRC does not match

export const BZ_BLOCK_READY: i32 = 1;
export const BZ_STREAM_END: i32 = 2;
export const BZ_MAX_BLOCK: i32 = 900000;

const MAX_GROUPS: i32 = 6;
const MAX_ALPHA: i32 = 258;
const MAX_CODE_LEN: i32 = 20;
const MAX_SELECTORS: i32 = 18002;

const TT: usize = memory.data(BZ_MAX_BLOCK * 4, 16);
const LENS: usize = memory.data(MAX_GROUPS * MAX_ALPHA, 16);
const LIMIT: usize = memory.data(MAX_GROUPS * 24 * 4, 16);
const BASE: usize = memory.data(MAX_GROUPS * 24 * 4, 16);
const PERM: usize = memory.data(MAX_GROUPS * MAX_ALPHA * 4, 16);
const MINLEN: usize = memory.data(MAX_GROUPS * 4, 16);
const SELECTORS: usize = memory.data(MAX_SELECTORS, 16);
const SEQ_TO_UNSEQ: usize = memory.data(256, 16);
const MTF: usize = memory.data(256, 16);
const UNZFTAB: usize = memory.data(256 * 4, 16);
const CRC_TABLE: usize = memory.data(256 * 4, 16);

// Bit reader.
let bitPos: u64 = 0;
let bitEnd: u64 = 0;

// Block state.
let blockCrc: u32 = 0;
let computedCrc: u32 = 0;
let combinedCrc: u32 = 0;
let streamCrc: u32 = 0;
let nblock: i32 = 0;
let tPos: u32 = 0;
let emitted: i32 = 0;      // BWT positions walked
let runLast: i32 = -1;     // previous byte for RLE1
let runCount: i32 = 0;     // how many equal bytes in a row
let pendingByte: u32 = 0;
let pendingCount: i32 = 0; // copies of pendingByte still to write
let blockActive: bool = false;

export function bzBitPosition(): f64 { return <f64>bitPos; }
export function bzCombinedCrc(): u32 { return combinedCrc; }
// Blocks decoded elsewhere (on other threads) count toward the stream's CRC: the caller carries it.
export function bzSetCombinedCrc(crc: u32): void { combinedCrc = crc; }

// Starts a stream (after its 4-byte "BZh9" header).
export function bzReset(): void {
  if (load<u32>(CRC_TABLE + 4) == 0) {
    for (let i: u32 = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04c11db7 : c << 1;
      store<u32>(CRC_TABLE + (<usize>i << 2), c);
    }
  }
  combinedCrc = 0;
  blockActive = false;
}

// The 32 bits from bitPos on, most significant first: at least 25 of them are real. Reads up to
// three bytes past the window, which CODEC_OUT follows in memory; bits past bitEnd are never used.
@inline function peek32(): u32 {
  return bswap<u32>(load<u32>(CODEC_IN + <usize>(bitPos >> 3))) << <u32>(bitPos & 7);
}

@inline function bits(n: i32): i32 {
  // 1 <= n <= 24; returns -1 past the window.
  if (bitPos + <u64>n > bitEnd) return -1;
  const v = peek32() >>> <u32>(32 - n);
  bitPos += <u64>n;
  return <i32>v;
}

// Reads the next block (or the end of the stream) from CODEC_IN[0..inLen) starting at bit
// `bitOffset`. Returns BZ_BLOCK_READY, BZ_STREAM_END or a negative error.
export function bzBlock(inLen: i32, bitOffset: i32, maxBlock: i32): i32 {
  bitPos = <u64>bitOffset;
  bitEnd = <u64>inLen << 3;
  const m1 = bits(24), m2 = bits(24);
  if (m1 < 0 || m2 < 0) return E_CODEC_INPUT;
  if (m1 == 0x177245 && m2 == 0x385090) {
    const hi = bits(16), lo = bits(16);
    if (hi < 0 || lo < 0) return E_CODEC_INPUT;
    streamCrc = (<u32>hi << 16) | <u32>lo;
    bitPos = (bitPos + 7) & ~(<u64>7); // the stream ends on a byte boundary
    return streamCrc == combinedCrc ? BZ_STREAM_END : E_BZ_STREAM_CRC;
  }
  if (m1 != 0x314159 || m2 != 0x265359) return E_BZ_MAGIC;
  const c1 = bits(16), c2 = bits(16);
  if (c1 < 0 || c2 < 0) return E_CODEC_INPUT;
  blockCrc = (<u32>c1 << 16) | <u32>c2;
  const randomised = bits(1);
  if (randomised < 0) return E_CODEC_INPUT;
  if (randomised == 1) return E_BZ_RANDOMISED;
  const origPtr = bits(24);
  if (origPtr < 0) return E_CODEC_INPUT;

  // Which bytes occur.
  const used16 = bits(16);
  if (used16 < 0) return E_CODEC_INPUT;
  let nInUse = 0;
  for (let i = 0; i < 16; i++) {
    if ((used16 & (0x8000 >> i)) == 0) continue;
    const w = bits(16);
    if (w < 0) return E_CODEC_INPUT;
    for (let j = 0; j < 16; j++) {
      if ((w & (0x8000 >> j)) != 0) store<u8>(SEQ_TO_UNSEQ + <usize>(nInUse++), <u8>(i * 16 + j));
    }
  }
  if (nInUse == 0) return E_BZ_DATA;
  const alphaSize = nInUse + 2;

  const nGroups = bits(3);
  const nSelectors = bits(15);
  if (nGroups < 2 || nGroups > MAX_GROUPS || nSelectors < 1) return nGroups < 0 || nSelectors < 0 ? E_CODEC_INPUT : E_BZ_DATA;
  // Selectors, MTF-coded in unary.
  const mtfGroups = memory.data(8);
  for (let i = 0; i < nGroups; i++) store<u8>(mtfGroups + <usize>i, <u8>i);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (true) {
      const b = bits(1);
      if (b < 0) return E_CODEC_INPUT;
      if (b == 0) break;
      j++;
      if (j >= nGroups) return E_BZ_DATA;
    }
    const v = load<u8>(mtfGroups + <usize>j);
    for (let k = j; k > 0; k--) store<u8>(mtfGroups + <usize>k, load<u8>(mtfGroups + <usize>(k - 1)));
    store<u8>(mtfGroups, v);
    if (i < MAX_SELECTORS) store<u8>(SELECTORS + <usize>i, v);
  }
  const selectorsUsed = nSelectors < MAX_SELECTORS ? nSelectors : MAX_SELECTORS;

  // Code lengths, delta-coded, then canonical decoding tables.
  for (let t = 0; t < nGroups; t++) {
    let curr = bits(5);
    if (curr < 0) return E_CODEC_INPUT;
    for (let i = 0; i < alphaSize; i++) {
      while (true) {
        if (curr < 1 || curr > MAX_CODE_LEN) return E_BZ_DATA;
        const b = bits(1);
        if (b < 0) return E_CODEC_INPUT;
        if (b == 0) break;
        const d = bits(1);
        if (d < 0) return E_CODEC_INPUT;
        curr += d == 0 ? 1 : -1;
      }
      store<u8>(LENS + <usize>(t * MAX_ALPHA + i), <u8>curr);
    }
    makeTables(t, alphaSize);
  }

  // Symbols: RUNA/RUNB runs of the MTF front, MTF indexes, end of block.
  for (let i = 0; i < 256; i++) {
    store<u8>(MTF + <usize>i, <u8>i);
    store<u32>(UNZFTAB + (<usize>i << 2), 0);
  }
  const eob = nInUse + 1;
  const limitBlock = min(maxBlock, BZ_MAX_BLOCK);
  let groupNo = -1;
  let groupPos = 0;
  let count = 0;
  let sym = 0;
  let runLength = 0;
  let runWeight = 1;
  while (true) {
    if (groupPos == 0) {
      groupNo++;
      if (groupNo >= selectorsUsed) return E_BZ_DATA;
      groupPos = 50;
    }
    groupPos--;
    const g = <i32>load<u8>(SELECTORS + <usize>groupNo);
    // The code's length: the shortest whose value is within that length's limit. One look at the
    // next 32 bits serves every length (codes are at most 20 bits), checked against the window
    // at each length as a bit-by-bit read would be.
    let zn = load<i32>(MINLEN + (<usize>g << 2));
    const next = peek32();
    let zvec = 0;
    while (true) {
      if (bitPos + <u64>zn > bitEnd) return E_CODEC_INPUT;
      if (zn > MAX_CODE_LEN) return E_BZ_DATA;
      zvec = <i32>(next >>> <u32>(32 - zn));
      if (zvec <= load<i32>(LIMIT + (<usize>(g * 24 + zn) << 2))) break;
      zn++;
    }
    bitPos += <u64>zn;
    const idx = zvec - load<i32>(BASE + (<usize>(g * 24 + zn) << 2));
    if (idx < 0 || idx >= MAX_ALPHA) return E_BZ_DATA;
    sym = load<i32>(PERM + (<usize>(g * MAX_ALPHA + idx) << 2));
    if (sym <= 1) {
      // RUNA (0) adds 1 x weight, RUNB (1) adds 2 x weight; the weight doubles.
      runLength += (sym + 1) * runWeight;
      runWeight <<= 1;
      if (runLength > limitBlock) return E_BZ_DATA;
      continue;
    }
    if (runLength > 0) {
      const uc = load<u8>(SEQ_TO_UNSEQ + <usize>load<u8>(MTF));
      if (count + runLength > limitBlock) return E_BZ_DATA;
      const slot = UNZFTAB + (<usize>uc << 2);
      store<u32>(slot, load<u32>(slot) + <u32>runLength);
      for (let k = 0; k < runLength; k++) store<u32>(TT + (<usize>(count++) << 2), uc);
      runLength = 0;
      runWeight = 1;
    }
    if (sym == eob) break;
    // MTF index sym - 1.
    const nn = sym - 1;
    if (nn >= nInUse) return E_BZ_DATA;
    const v = load<u8>(MTF + <usize>nn);
    memory.copy(MTF + 1, MTF, <usize>nn);
    store<u8>(MTF, v);
    const uc = load<u8>(SEQ_TO_UNSEQ + <usize>v);
    if (count >= limitBlock) return E_BZ_DATA;
    const slot = UNZFTAB + (<usize>uc << 2);
    store<u32>(slot, load<u32>(slot) + 1);
    store<u32>(TT + (<usize>(count++) << 2), uc);
  }
  if (origPtr >= count) return E_BZ_DATA;
  nblock = count;

  // Inverse BWT links: the high 24 bits of tt[i] point to the next position.
  let sum: u32 = 0;
  const cftab = memory.data(256 * 4, 16);
  for (let i = 0; i < 256; i++) {
    store<u32>(cftab + (<usize>i << 2), sum);
    sum += load<u32>(UNZFTAB + (<usize>i << 2));
  }
  for (let i = 0; i < nblock; i++) {
    const uc = load<u32>(TT + (<usize>i << 2)) & 0xff;
    const slot = cftab + (<usize>uc << 2);
    const at = load<u32>(slot);
    store<u32>(slot, at + 1);
    const p = TT + (<usize>at << 2);
    store<u32>(p, load<u32>(p) | (<u32>i << 8));
  }
  tPos = load<u32>(TT + (<usize>origPtr << 2)) >> 8;
  emitted = 0;
  runLast = -1;
  runCount = 0;
  pendingCount = 0;
  computedCrc = 0xffffffff;
  blockActive = true;
  return BZ_BLOCK_READY;
}

function makeTables(t: i32, alphaSize: i32): void {
  let minLen = 32, maxLen = 0;
  const lens = LENS + <usize>(t * MAX_ALPHA);
  for (let i = 0; i < alphaSize; i++) {
    const l = <i32>load<u8>(lens + <usize>i);
    if (l > maxLen) maxLen = l;
    if (l < minLen) minLen = l;
  }
  const perm = PERM + (<usize>(t * MAX_ALPHA) << 2);
  const limit = LIMIT + (<usize>(t * 24) << 2);
  const base = BASE + (<usize>(t * 24) << 2);
  let pp = 0;
  for (let l = minLen; l <= maxLen; l++) {
    for (let s = 0; s < alphaSize; s++) {
      if (<i32>load<u8>(lens + <usize>s) == l) store<i32>(perm + (<usize>(pp++) << 2), s);
    }
  }
  // Counts per length, then the canonical limits and bases (bzip2's hbCreateDecodeTables).
  const countAt = memory.data(24 * 4, 16);
  for (let i = 0; i < 24; i++) store<i32>(countAt + (<usize>i << 2), 0);
  for (let s = 0; s < alphaSize; s++) {
    const l = <usize>load<u8>(lens + <usize>s);
    store<i32>(countAt + (l << 2), load<i32>(countAt + (l << 2)) + 1);
  }
  let code = 0, index = 0;
  for (let l = 0; l < 24; l++) {
    const n = load<i32>(countAt + (<usize>l << 2));
    store<i32>(base + (<usize>l << 2), code - index); // perm index = zvec - base
    code += n;
    index += n;
    store<i32>(limit + (<usize>l << 2), n > 0 ? code - 1 : -1);
    code <<= 1;
  }
  store<i32>(MINLEN + (<usize>t << 2), minLen);
}

// Writes up to cap bytes of the current block into CODEC_OUT; 0 when the block is complete
// (its CRC checked), or a negative error.
export function bzOutput(cap: i32): i32 {
  if (!blockActive) return 0;
  let op: i32 = 0;
  let crc = computedCrc;
  while (op < cap) {
    if (pendingCount > 0) {
      store<u8>(CODEC_OUT + <usize>(op++), <u8>pendingByte);
      crc = (crc << 8) ^ load<u32>(CRC_TABLE + (<usize>((crc >> 24) ^ pendingByte) << 2));
      pendingCount--;
      continue;
    }
    if (emitted >= nblock) break;
    const entry = load<u32>(TT + (<usize>tPos << 2));
    const ch = <i32>(entry & 0xff);
    tPos = entry >> 8;
    emitted++;
    if (runCount == 4) {
      // After four equal bytes, this byte counts further copies.
      pendingByte = <u32>runLast;
      pendingCount = ch;
      runCount = 0;
      runLast = -1;
      continue;
    }
    if (ch == runLast) runCount++;
    else {
      runLast = ch;
      runCount = 1;
    }
    store<u8>(CODEC_OUT + <usize>(op++), <u8>ch);
    crc = (crc << 8) ^ load<u32>(CRC_TABLE + (<usize>((crc >> 24) ^ <u32>ch) << 2));
  }
  computedCrc = crc;
  if (op == 0 && emitted >= nblock && pendingCount == 0) {
    blockActive = false;
    const final = ~computedCrc;
    if (final != blockCrc) return E_BZ_BLOCK_CRC;
    combinedCrc = ((combinedCrc << 1) | (combinedCrc >> 31)) ^ final;
    return 0;
  }
  return op;
}
