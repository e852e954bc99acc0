// The compressions `cpiox create` writes, by name: apart from their codecs, so that the command
// line can check a name without loading any of them.
export const COMPRESSION_NAMES = ["none", "gzip", "zstd", "xz", "lzma", "lz4", "lzo", "bzip2"] as const;

export type CreateCompression = (typeof COMPRESSION_NAMES)[number];
