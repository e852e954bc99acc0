// Every compression the kernel reads, for `cpiox create`: the levels each takes, the default
// (the one Debian's mkinitramfs uses), and the stream that writes it.
import type { Transform } from "node:stream";
import { createGzip } from "node:zlib";
import { CpioxError } from "../../errors.js";
import { bzip2Compress } from "./bzip2.js";
import { lz4LegacyCompress } from "./lz4-legacy.js";
import { lzmaCompress, xzCompress } from "./lzma.js";
import { lzopCompress } from "./lzop.js";
import { zstdCompress } from "./zstd.js";

import { COMPRESSION_NAMES, type CreateCompression } from "./names.js";

export { COMPRESSION_NAMES, type CreateCompression };

interface Compressor {
  levels: [min: number, max: number];
  /**
   * initramfs-tools' mkinitramfs (0.142): zstd -9 and lz4 -9 -l, the others at their command's
   * own default (gzip 6, xz 6 with --check=crc32, lzma 6, lzop 3, bzip2 9).
   */
  defaultLevel: number;
  open(level: number): Transform;
}

export const COMPRESSORS: Record<Exclude<CreateCompression, "none">, Compressor> = {
  gzip: { levels: [1, 9], defaultLevel: 6, open: (level) => createGzip({ level }) },
  zstd: { levels: [1, 19], defaultLevel: 9, open: zstdCompress },
  xz: { levels: [0, 9], defaultLevel: 6, open: xzCompress },
  lzma: { levels: [0, 9], defaultLevel: 6, open: lzmaCompress },
  lz4: { levels: [1, 12], defaultLevel: 9, open: lz4LegacyCompress },
  lzo: { levels: [1, 9], defaultLevel: 3, open: lzopCompress },
  bzip2: { levels: [1, 9], defaultLevel: 9, open: bzip2Compress },
};

/** The level to use: the given one, checked against the compression's range, or its default. */
export function compressionLevel(kind: CreateCompression, level: number | undefined): number | undefined {
  if (kind === "none") {
    if (level !== undefined) throw new CpioxError("CPIOX_BAD_ARGUMENT", "a level needs a compression (--compress)");
    return undefined;
  }
  const c = COMPRESSORS[kind];
  if (!c) throw new CpioxError("CPIOX_BAD_ARGUMENT", `unknown compression ${JSON.stringify(kind)} (${COMPRESSION_NAMES.join(", ")})`);
  if (level === undefined) return c.defaultLevel;
  const [min, max] = c.levels;
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new CpioxError("CPIOX_BAD_ARGUMENT", `${kind} takes a level from ${min} to ${max}, not ${level}`);
  }
  return level;
}
