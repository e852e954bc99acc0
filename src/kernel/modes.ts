// File types and mode bits as the kernel reads c_mode (a 16-bit umode_t), and MKDEV's limits.

export type EntryType =
  | "file" | "directory" | "symlink" | "char" | "block" | "fifo" | "socket" | "unknown" | "trailer";

/** The device numbers of an entry, as the header gives them. */
interface DeviceNumbers {
  rdevMajor: number;
  rdevMinor: number;
}

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export function typeOfMode(mode: number): EntryType {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "char";
    case S_IFBLK: return "block";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    default: return "unknown";
  }
}

/** A device number the kernel's 32-bit MKDEV (12-bit major, 20-bit minor) cannot hold: it is mangled. */
export const mangledByMkdev = (e: DeviceNumbers) => e.rdevMajor > 0xfff || e.rdevMinor > 0xfffff;

/** Permission bits as four octal digits, e.g. 4755. */
export const octalPermissions = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

/**
 * The warnings an entry's mode and device numbers raise, in the words both the extract sink and
 * verify use (verify reports them under CPIOX_RULE_ARCHIVE_WARNING).
 */
export function modeWarnings(e: DeviceNumbers & { mode: number; type: EntryType }): { code: "CPIOX_DEVICE_NUMBER" | "CPIOX_UNKNOWN_TYPE"; message: string }[] {
  const out: { code: "CPIOX_DEVICE_NUMBER" | "CPIOX_UNKNOWN_TYPE"; message: string }[] = [];
  if ((e.type === "char" || e.type === "block") && mangledByMkdev(e)) {
    out.push({ code: "CPIOX_DEVICE_NUMBER", message: `device ${e.rdevMajor}:${e.rdevMinor} does not fit the kernel's 12-bit major / 20-bit minor and is mangled by MKDEV` });
  }
  if (e.type === "unknown") {
    out.push({ code: "CPIOX_UNKNOWN_TYPE", message: `mode ${e.mode.toString(8)} has an unknown file type: nothing is created` });
  }
  return out;
}
