// The 070702 ("crc") format's checksum: the 32-bit sum of a regular file's data bytes, as the
// kernel's do_copy/eat adds them up and gen_init_cpio writes them.
export function byteSum(bytes: Uint8Array): number {
  let s = 0;
  const n = bytes.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) s += bytes[i] + bytes[i + 1] + bytes[i + 2] + bytes[i + 3];
  for (; i < n; i++) s += bytes[i];
  return s >>> 0;
}
