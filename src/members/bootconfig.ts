// The kernel's bootconfig trailer (init/main.c, get_boot_config_from_initrd): an image may end in
// boot configuration text, its 32-bit size and checksum (little-endian) and "#BOOTCONFIG\n". The
// kernel reads it from the image's end and unpacks only what comes before it; so does cpiox.
import { CpioxError } from "../errors.js";

export const BOOTCONFIG_MAGIC = Buffer.from("#BOOTCONFIG\n");
/** The kernel's XBC_DATA_MAX: a larger bootconfig is refused. */
export const BOOTCONFIG_DATA_MAX = 32767;
/** Bytes from where the archive data stops to the end of a bootconfig trailer, at most. */
export const BOOTCONFIG_TAIL_MAX = BOOTCONFIG_DATA_MAX + 8 + BOOTCONFIG_MAGIC.length;

export interface BootConfig {
  /** Input offset of the configuration data (where the kernel's initrd ends). */
  offset: number;
  /** The size field: the data, with the NUL padding newer tools align it with. */
  size: number;
  checksum: number;
  /** The text, without its NUL padding. */
  text: string;
}

/**
 * The bootconfig trailer that `tail` (the last bytes of the input, starting at input offset
 * `at`) ends with, or null when it has none. A trailer whose size or checksum is wrong is an error.
 */
export function readBootConfig(tail: Uint8Array, at: number): BootConfig | null {
  const n = tail.length;
  if (n < BOOTCONFIG_MAGIC.length + 8 || !BOOTCONFIG_MAGIC.equals(tail.subarray(n - BOOTCONFIG_MAGIC.length))) return null;
  const head = Buffer.from(tail.buffer, tail.byteOffset + n - BOOTCONFIG_MAGIC.length - 8, 8);
  const size = head.readUInt32LE(0), checksum = head.readUInt32LE(4);
  const dataEnd = n - BOOTCONFIG_MAGIC.length - 8;
  const where = { offset: at + dataEnd };
  if (size > BOOTCONFIG_DATA_MAX) throw new CpioxError("CPIOX_BOOTCONFIG", `bootconfig of ${size} bytes is larger than the kernel's ${BOOTCONFIG_DATA_MAX}`, where);
  if (size !== dataEnd) {
    throw new CpioxError("CPIOX_BOOTCONFIG", `the bootconfig trailer says ${size} bytes of configuration, but ${dataEnd} bytes lie between the archive data and it`, where);
  }
  let sum = 0;
  for (let i = 0; i < size; i++) sum = (sum + tail[i]) >>> 0;
  if (sum !== checksum) {
    throw new CpioxError("CPIOX_BOOTCONFIG", `bootconfig checksum failed: the trailer says ${checksum}, the data sums to ${sum} (the kernel ignores such a bootconfig)`, where);
  }
  let textEnd = size;
  while (textEnd > 0 && tail[textEnd - 1] === 0) textEnd--;
  return { offset: at, size, checksum, text: Buffer.from(tail.subarray(0, textEnd)).toString("utf8") };
}
