// The one place where system calls that node:fs lacks are bound (openat2, the *at family,
// mknodat, statx). Every function returns -errno on failure instead of throwing.
import { closeSync } from "node:fs";
import koffi from "koffi";

const SYS_openat2 = 437; // x86_64 and aarch64 share this number

// Bound on first use, not at import: a command that makes no system call through here (list,
// verify) never loads it.
const bind = () => {
  const libc = koffi.load("libc.so.6");
  return {
    syscall: libc.func("long syscall(long number, ...)"),
    openat: libc.func("int openat(int dirfd, const char *path, int flags, ...)"),
    mkdirat: libc.func("int mkdirat(int dirfd, const char *path, uint32_t mode)"),
    mknodat: libc.func("int mknodat(int dirfd, const char *path, uint32_t mode, uint64_t dev)"),
    symlinkat: libc.func("int symlinkat(const char *target, int dirfd, const char *path)"),
    linkat: libc.func("int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)"),
    unlinkat: libc.func("int unlinkat(int dirfd, const char *path, int flags)"),
    fchownat: libc.func("int fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)"),
    fchmodat: libc.func("int fchmodat(int dirfd, const char *path, uint32_t mode, int flags)"),
    utimensat: libc.func("int utimensat(int dirfd, const char *path, void *times, int flags)"),
    statx: libc.func("int statx(int dirfd, const char *path, int flags, uint32_t mask, void *buf)"),
    readlinkat: libc.func("long readlinkat(int dirfd, const char *path, void *buf, size_t size)"),
    fsetxattr: libc.func("int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)"),
    setxattr: libc.func("int setxattr(const char *path, const char *name, const void *value, size_t size, int flags)"),
    renameat2: libc.func("int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)"),
    llistxattr: libc.func("long llistxattr(const char *path, void *list, size_t size)"),
    lgetxattr: libc.func("long lgetxattr(const char *path, const char *name, void *value, size_t size)"),
  };
};
let bound: ReturnType<typeof bind> | undefined;
const lib = () => (bound ??= bind());

export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_IN_ROOT = 0x10;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;

export const EPERM = 1;
export const ENOENT = 2;
export const EACCES = 13;
export const EEXIST = 17;
export const EOPNOTSUPP = 95;
export const ENOTDIR = 20;
export const ELOOP = 40;

// A path argument: NUL-terminated bytes (Linux names need not be UTF-8).
export type CPath = Buffer;
export function cpath(bytes: Uint8Array | string): CPath {
  const b = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  const out = Buffer.allocUnsafe(b.length + 1);
  out.set(b, 0);
  out[b.length] = 0;
  return out;
}

function ret(r: number | bigint): number {
  const n = Number(r);
  return n < 0 ? -koffi.errno() : n;
}

export function openat2(dirfd: number, path: CPath, flags: number, resolve: number): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(0n, 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  return ret(lib().syscall(SYS_openat2, "int", dirfd, "const char *", path, "void *", how, "size_t", 24));
}

export function openat(dirfd: number, path: CPath, flags: number, mode = 0): number {
  return ret(lib().openat(dirfd, path, flags, "uint32_t", mode));
}
export const mkdirat = (dirfd: number, path: CPath, mode: number) => ret(lib().mkdirat(dirfd, path, mode));
export const mknodat = (dirfd: number, path: CPath, mode: number, dev: bigint) => ret(lib().mknodat(dirfd, path, mode, dev));
export const symlinkat = (target: CPath, dirfd: number, path: CPath) => ret(lib().symlinkat(target, dirfd, path));
export const linkat = (oldfd: number, oldpath: CPath, newfd: number, newpath: CPath) =>
  ret(lib().linkat(oldfd, oldpath, newfd, newpath, 0));
export const unlinkat = (dirfd: number, path: CPath, flags: number) => ret(lib().unlinkat(dirfd, path, flags));
export const fchownat = (dirfd: number, path: CPath, uid: number, gid: number, flags: number) =>
  ret(lib().fchownat(dirfd, path, uid >>> 0, gid >>> 0, flags));
export const fchmodat = (dirfd: number, path: CPath, mode: number, flags: number) =>
  ret(lib().fchmodat(dirfd, path, mode, flags));

const timesBuf = Buffer.alloc(32);
// Sets atime = mtime = seconds (nanoseconds 0), like the kernel's do_utime.
export function utimensat(dirfd: number, path: CPath | null, seconds: number, flags: number): number {
  timesBuf.writeBigInt64LE(BigInt(seconds), 0);
  timesBuf.writeBigInt64LE(0n, 8);
  timesBuf.writeBigInt64LE(BigInt(seconds), 16);
  timesBuf.writeBigInt64LE(0n, 24);
  return ret(lib().utimensat(dirfd, path, timesBuf, flags));
}

const STATX_TYPE = 0x1;
const statxBuf = Buffer.alloc(256);
// The S_IFMT bits of the object at path (not following a final symlink), or -errno.
export function typeAt(dirfd: number, path: CPath): number {
  const r = ret(lib().statx(dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, statxBuf));
  if (r < 0) return r;
  return statxBuf.readUInt16LE(0x1c) & 0o170000;
}

const STATX_INO = 0x100;
/** The type bits and a device:inode key of the object at path (not following a final symlink), or null. */
export function identityAt(dirfd: number, path: CPath): { type: number; key: string } | null {
  const r = ret(lib().statx(dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, statxBuf));
  if (r < 0) return null;
  // struct statx: stx_mode at 0x1c, stx_ino at 0x20, stx_dev_major/minor at 0x88/0x8c.
  const key = `${statxBuf.readUInt32LE(0x88)}:${statxBuf.readUInt32LE(0x8c)}:${statxBuf.readBigUInt64LE(0x20)}`;
  return { type: statxBuf.readUInt16LE(0x1c) & 0o170000, key };
}

const linkBuf = Buffer.alloc(4097);
export function readlinkat(dirfd: number, path: CPath): Buffer | number {
  const r = ret(lib().readlinkat(dirfd, path, linkBuf, linkBuf.length));
  if (r < 0) return r;
  return Buffer.from(linkBuf.subarray(0, r));
}

// glibc's makedev encoding.
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0), mi = BigInt(minor >>> 0);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** Sets an xattr on an open file or directory. */
export const fsetxattr = (fd: number, name: CPath, value: Uint8Array) => ret(lib().fsetxattr(fd, name, value, value.length, 0));

/**
 * Sets an xattr on the object at dirfd/path itself, never following a final symlink: it is
 * opened with O_PATH|O_NOFOLLOW and addressed through /proc/self/fd, which names that inode.
 */
export function lsetxattrAt(dirfd: number, path: CPath, name: CPath, value: Uint8Array): number {
  const fd = openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fd;
  try {
    return ret(lib().setxattr(cpath(`/proc/self/fd/${fd}`), name, value, value.length, 0));
  } finally {
    closeSync(fd);
  }
}

const xattrBuf = Buffer.alloc(65536);
/** The xattrs of the object at path itself (a symlink's own), in the order the kernel lists them. */
export function lgetxattrs(path: string | Buffer): Array<{ name: Buffer; value: Buffer }> | number {
  const p = cpath(path);
  const n = ret(lib().llistxattr(p, xattrBuf, xattrBuf.length));
  if (n < 0) return n;
  const names = Buffer.from(xattrBuf.subarray(0, n));
  const out: Array<{ name: Buffer; value: Buffer }> = [];
  let start = 0;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== 0) continue;
    const name = names.subarray(start, i);
    start = i + 1;
    const len = ret(lib().lgetxattr(p, cpath(name), xattrBuf, xattrBuf.length));
    if (len < 0) return len;
    out.push({ name: Buffer.from(name), value: Buffer.from(xattrBuf.subarray(0, len)) });
  }
  return out;
}

export const RENAME_EXCHANGE = 2;
/** Swaps two paths atomically (both must exist). */
export const exchangePaths = (a: string, b: string) => ret(lib().renameat2(AT_FDCWD, cpath(a), AT_FDCWD, cpath(b), RENAME_EXCHANGE));
