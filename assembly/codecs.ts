// Block decoders for formats no npm package reads well: LZ4 blocks (legacy `lz4 -l` frames and
// modern frames), LZO1X (inside lzop containers) and bzip2. Fixed regions; each call one block.

import { CODEC_IN, CODEC_OUT, CODEC_OUT_SIZE, E_CODEC_INPUT, E_CODEC_OUTPUT, E_CODEC_OFFSET, E_CODEC_TRAILING } from "./codec-memory";
export { CODEC_IN_SIZE, CODEC_OUT_SIZE, HISTORY, E_CODEC_INPUT, E_CODEC_OUTPUT, E_CODEC_OFFSET, E_CODEC_TRAILING } from "./codec-memory";
export * from "./bzip2";

export function codecInAddress(): usize { return CODEC_IN; }
export function codecOutAddress(): usize { return CODEC_OUT; }

// Copies len bytes from src to dst, front to back, so that overlapping matches repeat.
@inline function copyMatch(dst: usize, src: usize, len: usize): void {
  const dist = dst - src;
  if (dist >= len) {
    memory.copy(dst, src, len);
  } else if (dist == 1) {
    memory.fill(dst, load<u8>(src), len);
  } else {
    for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
  }
}

// Fast path for short copies: 16 bytes at a time, possibly past the end (the caller checks
// that dst + len + 16 stays inside the output and that src and dst are 16 or more apart).
@inline function wildCopy(dst: usize, src: usize, len: usize): void {
  const end = dst + len;
  do {
    v128.store(dst, v128.load(src));
    dst += 16;
    src += 16;
  } while (dst < end);
}

// One LZ4 block from CODEC_IN[0..srcLen) to CODEC_OUT[outStart..outCap); matches may reach back
// to CODEC_OUT[0] (the history). Returns the bytes produced or a negative error.
export function lz4Block(srcLen: i32, outStart: i32, outCap: i32): i32 {
  let ip = CODEC_IN;
  const iend = CODEC_IN + <usize>srcLen;
  const ostart = CODEC_OUT + <usize>outStart;
  let op = ostart;
  const oend = CODEC_OUT + <usize>min(outCap, CODEC_OUT_SIZE);
  while (true) {
    if (ip >= iend) return E_CODEC_INPUT;
    const token = <u32>load<u8>(ip++);
    let lit = <usize>(token >> 4);
    if (lit == 15) {
      let b: u32;
      do {
        if (ip >= iend) return E_CODEC_INPUT;
        b = load<u8>(ip++);
        lit += b;
      } while (b == 255);
    }
    if (lit > <usize>(iend - ip)) return E_CODEC_INPUT;
    if (lit > <usize>(oend - op)) return E_CODEC_OUTPUT;
    // Reading up to 15 bytes past the block stays inside CODEC_IN (sized with slack).
    if (lit <= 32 && <usize>(oend - op) >= lit + 16) wildCopy(op, ip, lit);
    else memory.copy(op, ip, lit);
    ip += lit;
    op += lit;
    if (ip == iend) break; // the last sequence has literals only
    if (iend - ip < 2) return E_CODEC_INPUT;
    const offset = <usize>load<u16>(ip);
    ip += 2;
    if (offset == 0 || offset > op - CODEC_OUT) return E_CODEC_OFFSET;
    let len = <usize>(token & 15);
    if (len == 15) {
      let b: u32;
      do {
        if (ip >= iend) return E_CODEC_INPUT;
        b = load<u8>(ip++);
        len += b;
      } while (b == 255);
    }
    len += 4;
    if (len > <usize>(oend - op)) return E_CODEC_OUTPUT;
    if (offset >= 16 && len <= 32 && <usize>(oend - op) >= len + 16) wildCopy(op, op - offset, len);
    else copyMatch(op, op - offset, len);
    op += len;
  }
  return <i32>(op - ostart);
}

// LZO's long lengths: each zero byte adds 255 and the first non-zero byte ends the run. Returns
// the sum (that byte included) and leaves the cursor in extIp, or -1 past the end of the block.
let extIp: usize = 0;
function lzoExtend(ip: usize, iend: usize): i64 {
  let n: i64 = 0;
  while (true) {
    if (ip >= iend) return -1;
    const b = load<u8>(ip++);
    if (b != 0) {
      extIp = ip;
      return n + <i64>b;
    }
    n += 255;
  }
}

// One LZO1X block (lzop's LZO1X-1/-999 output) from CODEC_IN[0..srcLen) to CODEC_OUT[0..outCap).
// Returns the bytes produced or a negative error. Every read and write is bounds-checked.
export function lzo1xBlock(srcLen: i32, outCap: i32): i32 {
  let ip = CODEC_IN;
  const iend = CODEC_IN + <usize>srcLen;
  let op = CODEC_OUT;
  const oend = CODEC_OUT + <usize>min(outCap, CODEC_OUT_SIZE);
  let t: usize = 0;
  let state: i32 = 0; // 0: expect an instruction; 1: after a literal run; 2: after a match
  if (iend - ip < 1) return E_CODEC_INPUT;
  let first = <usize>load<u8>(ip);
  if (first > 17) {
    ip++;
    t = first - 17;
    if (t > <usize>(iend - ip)) return E_CODEC_INPUT;
    if (t > <usize>(oend - op)) return E_CODEC_OUTPUT;
    memory.copy(op, ip, t);
    op += t;
    ip += t;
    state = t < 4 ? 2 : 1;
  }
  while (true) {
    if (ip >= iend) return E_CODEC_INPUT;
    t = <usize>load<u8>(ip++);
    let mpos: usize = 0;
    let mlen: usize = 0;
    if (t < 16) {
      if (state == 0) {
        // A literal run of t + 3 bytes (t = 0: extended length).
        if (t == 0) {
          const ext = lzoExtend(ip, iend);
          if (ext < 0) return E_CODEC_INPUT;
          ip = extIp;
          t = 15 + <usize>ext;
        }
        t += 3;
        if (t > <usize>(iend - ip)) return E_CODEC_INPUT;
        if (t > <usize>(oend - op)) return E_CODEC_OUTPUT;
        memory.copy(op, ip, t);
        op += t;
        ip += t;
        state = 1;
        continue;
      }
      if (ip >= iend) return E_CODEC_INPUT;
      if (state == 1) {
        // Right after a literal run: a 3-byte match at distance up to 0x0800 + ...
        const dist: usize = <usize>(1 + 0x0800) + (t >> 2) + (<usize>load<u8>(ip++) << 2);
        mlen = 3;
        if (dist > op - CODEC_OUT) return E_CODEC_OFFSET;
        mpos = op - dist;
      } else {
        // M1: a 2-byte match after a match.
        const dist: usize = 1 + (t >> 2) + (<usize>load<u8>(ip++) << 2);
        mlen = 2;
        if (dist > op - CODEC_OUT) return E_CODEC_OFFSET;
        mpos = op - dist;
      }
    } else if (t >= 64) {
      // M2
      if (ip >= iend) return E_CODEC_INPUT;
      const dist: usize = 1 + ((t >> 2) & 7) + (<usize>load<u8>(ip++) << 3);
      mlen = (t >> 5) + 1;
      if (dist > op - CODEC_OUT) return E_CODEC_OFFSET;
      mpos = op - dist;
    } else if (t >= 32) {
      // M3
      mlen = t & 31;
      if (mlen == 0) {
        const ext = lzoExtend(ip, iend);
        if (ext < 0) return E_CODEC_INPUT;
        ip = extIp;
        mlen = 31 + <usize>ext;
      }
      mlen += 2;
      if (iend - ip < 2) return E_CODEC_INPUT;
      const dist: usize = 1 + (<usize>load<u16>(ip) >> 2);
      ip += 2;
      if (dist > op - CODEC_OUT) return E_CODEC_OFFSET;
      mpos = op - dist;
    } else {
      // M4 (16 <= t < 32), which also carries the end-of-stream marker
      let dist: usize = (t & 8) << 11;
      mlen = t & 7;
      if (mlen == 0) {
        const ext = lzoExtend(ip, iend);
        if (ext < 0) return E_CODEC_INPUT;
        ip = extIp;
        mlen = 7 + <usize>ext;
      }
      mlen += 2;
      if (iend - ip < 2) return E_CODEC_INPUT;
      dist += <usize>load<u16>(ip) >> 2;
      ip += 2;
      if (dist == 0) {
        // End of stream.
        if (ip != iend) return E_CODEC_TRAILING;
        return <i32>(op - CODEC_OUT);
      }
      dist += 0x4000;
      if (dist > op - CODEC_OUT) return E_CODEC_OFFSET;
      mpos = op - dist;
    }
    if (mlen > <usize>(oend - op)) return E_CODEC_OUTPUT;
    copyMatch(op, mpos, mlen);
    op += mlen;
    // The low two bits of the match's last distance byte are a count of literals that follow.
    t = <usize>(load<u8>(ip - 2) & 3);
    if (t == 0) {
      state = 0;
      continue;
    }
    if (t > <usize>(iend - ip)) return E_CODEC_INPUT;
    if (t > <usize>(oend - op)) return E_CODEC_OUTPUT;
    memory.copy(op, ip, t);
    op += t;
    ip += t;
    state = 2;
  }
}
