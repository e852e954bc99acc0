// Compression detection like lib/decompress.c: the first two bytes only.

export type CompressionName = "gzip" | "bzip2" | "lzma" | "xz" | "lzo" | "lz4" | "zstd" | "lz4-frame";

const MAGICS: Array<[number, number, CompressionName]> = [
  [0x1f, 0x8b, "gzip"],
  [0x1f, 0x9e, "gzip"],
  [0x42, 0x5a, "bzip2"],
  [0x5d, 0x00, "lzma"],
  [0xfd, 0x37, "xz"],
  [0x89, 0x4c, "lzo"],
  [0x02, 0x21, "lz4"],
  [0x28, 0xb5, "zstd"],
  // Not in the kernel's table: read with a warning so an image that would not boot is caught.
  [0x04, 0x22, "lz4-frame"],
];

export function sniffCompression(bytes: Uint8Array): CompressionName | null {
  if (bytes.length < 2) return null;
  for (const [a, b, name] of MAGICS) if (bytes[0] === a && bytes[1] === b) return name;
  return null;
}
