// Removes a directory tree at any depth. Node's rmSync builds full paths, which fail with
// ENAMETOOLONG past PATH_MAX; this walks with directory fds instead (one open at a time, ".."
// to climb back), so the depth an archive reached never stops the clean-up.
import { closeSync, readdirSync } from "node:fs";
import * as ffi from "../native/libc.js";

const DIR_FLAGS = ffi.O_RDONLY | ffi.O_DIRECTORY | ffi.O_NOFOLLOW | ffi.O_CLOEXEC;

interface Level {
  name: Buffer;          // this directory's name in its parent
  subdirs: Buffer[];     // subdirectories still to empty
}

/** Lists a directory by its fd; the /proc/self/fd path is short whatever the real path's length. */
function listDir(fd: number): { files: Buffer[]; dirs: Buffer[] } {
  const files: Buffer[] = [], dirs: Buffer[] = [];
  for (const d of readdirSync(`/proc/self/fd/${fd}`, { encoding: "buffer", withFileTypes: true })) {
    (d.isDirectory() ? dirs : files).push(d.name as unknown as Buffer);
  }
  return { files, dirs };
}

/** Opens a subdirectory for emptying; a directory without owner rwx gets it first (unprivileged runs). */
function openSubdir(fd: number, name: Buffer): number {
  const path = ffi.cpath(name);
  let sub = ffi.openat(fd, path, DIR_FLAGS);
  if (sub === -ffi.EACCES && ffi.fchmodat(fd, path, 0o700, 0) === 0) sub = ffi.openat(fd, path, DIR_FLAGS);
  if (sub >= 0) ffi.fchmodat(sub, ffi.cpath("."), 0o700, 0);
  return sub;
}

/**
 * Removes `name` (a directory, not followed if a symlink) under `parentFd` and everything in it.
 * Returns 0, or -errno of the first failure (what could be removed is removed).
 */
export function removeTree(parentFd: number, name: string | Buffer): number {
  const top = typeof name === "string" ? Buffer.from(name) : name;
  let fd = openSubdir(parentFd, top);
  if (fd < 0) return fd === -ffi.ENOENT ? 0 : fd;
  const path: Level[] = [];
  let level: Level = { name: top, subdirs: [] };
  let failure = 0;
  const note = (r: number) => {
    if (r < 0 && failure === 0) failure = r;
  };
  let listed = false;
  for (;;) {
    if (!listed) {
      const { files, dirs } = listDir(fd);
      for (const f of files) note(ffi.unlinkat(fd, ffi.cpath(f), 0));
      level.subdirs = dirs;
      listed = true;
    }
    const next = level.subdirs.pop();
    if (next !== undefined) {
      const sub = openSubdir(fd, next);
      if (sub < 0) {
        note(sub);
        continue;
      }
      closeSync(fd);
      fd = sub;
      path.push(level);
      level = { name: next, subdirs: [] };
      listed = false;
      continue;
    }
    // This directory is empty (or as empty as it gets): climb and remove it.
    if (path.length === 0) {
      closeSync(fd);
      note(ffi.unlinkat(parentFd, ffi.cpath(top), ffi.AT_REMOVEDIR));
      return failure;
    }
    const up = ffi.openat(fd, ffi.cpath(".."), DIR_FLAGS);
    closeSync(fd);
    if (up < 0) return up;
    fd = up;
    note(ffi.unlinkat(fd, ffi.cpath(level.name), ffi.AT_REMOVEDIR));
    level = path.pop()!;
    listed = true;
  }
}

/** removeTree for an absolute or relative path (its parent is opened by path; the tree is not). */
export function removeTreeAt(path: string): number {
  const slash = path.lastIndexOf("/");
  const parent = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  const parentFd = ffi.openat(ffi.AT_FDCWD, ffi.cpath(parent), ffi.O_PATH | ffi.O_DIRECTORY | ffi.O_CLOEXEC);
  if (parentFd < 0) return parentFd;
  try {
    return removeTree(parentFd, path.slice(slash + 1));
  } finally {
    closeSync(parentFd);
  }
}
