// newc (070701) / crc (070702) header decoding with strict hex, like the kernel's hex2bin.
import { IN } from "./memory";

// The value of 8 hex digits at IN+at, or -1 if any byte is not [0-9a-fA-F].
export function hex8(at: usize): i64 { return hexAt(IN + at, 8); }

// Hex digits at an absolute address (up to 8), or -1 if any is not [0-9a-fA-F].
export function hexAt(addr: usize, digits: i32): i64 {
  let v: u32 = 0;
  for (let i = 0; i < digits; i++) {
    const c = <u32>load<u8>(addr + <usize>i);
    let d: u32;
    if (c - 0x30 < 10) d = c - 0x30;
    else {
      const l = c | 0x20;
      if (l - 0x61 < 6) d = l - 0x61 + 10;
      else return -1;
    }
    v = (v << 4) | d;
  }
  return <i64>v;
}

// 0 unknown, 1 newc, 2 crc, 3 newcx (070703), 7 odc (070707)
export function magicKind(): i32 {
  if (load<u8>(IN) != 0x30 || load<u8>(IN + 1) != 0x37 || load<u8>(IN + 2) != 0x30 ||
      load<u8>(IN + 3) != 0x37 || load<u8>(IN + 4) != 0x30) return 0;
  const last = load<u8>(IN + 5);
  if (last == 0x31) return 1;
  if (last == 0x32) return 2;
  if (last == 0x33) return 3;
  if (last == 0x37) return 7;
  return 0;
}

// The kernel's N_ALIGN: padded name length such that 110 + N_ALIGN(n) is a multiple of 4.
@inline export function nameAlign(n: u64): u64 { return ((n + 1) & ~(<u64>3)) + 2; }
@inline export function align4(n: u64): u64 { return (n + 3) & ~(<u64>3); }
