// Opens directories under the extraction root with chroot semantics: ".." stops at the root
// and absolute symlink targets resolve inside it. openat2(RESOLVE_IN_ROOT) lets the kernel
// enforce this; the userspace walk gives the same answers where openat2 is missing.
import { closeSync } from "node:fs";
import * as ffi from "../native/libc.js";
import { isDotDot, joinParts, splitName } from "../kernel/names.js";
import { S_IFDIR, S_IFLNK } from "../kernel/modes.js";

export type ResolverKind = "openat2" | "userspace";

const DIR_FLAGS = ffi.O_PATH | ffi.O_DIRECTORY | ffi.O_CLOEXEC;
const MAX_SYMLINKS = 40; // the kernel's MAXSYMLINKS
const MAX_CACHED_DIRS = 256;

export class RootResolver {
  readonly kind: ResolverKind;
  private readonly cache = new Map<string, number>();
  private retired: number[] = [];

  constructor(readonly rootFd: number, kind: ResolverKind | "auto" = "auto") {
    if (kind === "auto") {
      const probe = ffi.openat2(rootFd, ffi.cpath("."), DIR_FLAGS, ffi.RESOLVE_IN_ROOT);
      if (probe >= 0) closeSync(probe);
      kind = probe >= 0 ? "openat2" : "userspace";
    }
    this.kind = kind;
  }

  /** An O_PATH fd of the directory at parts (empty: the root), or -errno. Owned by the cache. */
  openDir(parts: readonly Buffer[]): number {
    if (parts.length === 0) return this.rootFd;
    const key = joinParts(parts).toString("latin1");
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const fd = this.kind === "openat2" ? this.openat2(parts, key) : this.walk(parts, false, this.cachedParent(parts));
    return fd < 0 ? fd : this.remember(key, fd);
  }

  /** Caches a resolved directory under its key (a full cache is emptied first); returns the fd. */
  private remember(key: string, fd: number): number {
    if (this.cache.size >= MAX_CACHED_DIRS) this.invalidate();
    this.cache.set(key, fd);
    return fd;
  }

  /**
   * Forget every resolved directory: called whenever an object that paths pass through may have
   * changed. The fds stay open until release(), since the current entry may still be using one.
   */
  invalidate(): void {
    for (const fd of this.cache.values()) this.retired.push(fd);
    this.cache.clear();
  }

  /** Closes the fds of earlier invalidations; call between entries. */
  release(): void {
    for (const fd of this.retired) closeSync(fd);
    this.retired = [];
  }

  close(): void {
    this.invalidate();
    this.release();
  }

  /**
   * The directory at parts, creating missing components (mode 0755) on the way with the same
   * semantics as a lookup (--make-parents). One walk, whatever the depth; the fd is cached.
   */
  makeDirs(parts: readonly Buffer[]): number {
    const fd = this.walk(parts, true, this.cachedParent(parts));
    return fd < 0 ? fd : this.remember(joinParts(parts).toString("latin1"), fd);
  }

  /**
   * The whole path in the root; or, when the parent is cached and the last component is a plain
   * name that is not a symlink, just that name beneath the parent (the same directory, found
   * without walking the depth again). Anything else falls back to the whole path.
   */
  private openat2(parts: readonly Buffer[], key: string): number {
    const parent = this.cachedParent(parts);
    const last = parts[parts.length - 1];
    if (parent !== undefined && !isDotDot(last)) {
      const fd = ffi.openat2(parent, ffi.cpath(last), DIR_FLAGS, ffi.RESOLVE_BENEATH | ffi.RESOLVE_NO_SYMLINKS);
      if (fd >= 0) return fd;
    }
    return ffi.openat2(this.rootFd, ffi.cpath(key), DIR_FLAGS, ffi.RESOLVE_IN_ROOT | ffi.RESOLVE_NO_MAGICLINKS);
  }

  /**
   * The cached directory of all but the last component, when there is one: archives list a
   * directory's contents right after it, so the walk then has one component left, not the depth.
   */
  private cachedParent(parts: readonly Buffer[]): number | undefined {
    if (parts.length < 2) return undefined;
    return this.cache.get(joinParts(parts.slice(0, -1)).toString("latin1"));
  }

  /**
   * Component by component; `create` makes missing directories. Linear in the parts. With
   * `from`, the cached fd of parts minus the last, only the last is walked; a ".." that would
   * climb above it restarts the walk from the root, where every ancestor is on the stack.
   */
  private walk(initial: readonly Buffer[], create = false, from?: number): number {
    const stack: number[] = from === undefined ? [this.rootFd] : [this.rootFd, from];
    // The cached fd belongs to the cache: never closed here.
    const owned = (fd: number) => fd !== this.rootFd && fd !== from;
    // Components still to walk, last first: taking one and inserting a symlink's target are both cheap.
    const todo = from === undefined ? [...initial].reverse() : [initial[initial.length - 1]];
    let symlinks = 0;
    const fail = (errno: number) => {
      for (const fd of stack) if (owned(fd)) closeSync(fd);
      return errno;
    };
    const climb = () => {
      const up = stack.pop()!;
      if (owned(up)) closeSync(up);
    };
    while (todo.length) {
      const part = todo.pop()!;
      const cur = stack[stack.length - 1];
      if (isDotDot(part)) {
        if (from !== undefined && stack.length === 2 && stack[1] === from) {
          fail(0);
          return this.walk(initial, create);
        }
        if (stack.length > 1) climb();
        continue;
      }
      const name = ffi.cpath(part);
      let type = ffi.typeAt(cur, name);
      if (type === -ffi.ENOENT && create) {
        const made = ffi.mkdirat(cur, name, 0o755);
        if (made < 0 && made !== -ffi.EEXIST) return fail(made);
        type = ffi.typeAt(cur, name);
      }
      if (type < 0) return fail(type);
      if (type === S_IFLNK) {
        if (++symlinks > MAX_SYMLINKS) return fail(-ffi.ELOOP);
        const target = ffi.readlinkat(cur, name);
        if (typeof target === "number") return fail(target);
        if (target[0] === 0x2f) while (stack.length > 1) climb();
        const expanded = splitName(target);
        for (let i = expanded.length - 1; i >= 0; i--) todo.push(expanded[i]);
        continue;
      }
      if (type !== S_IFDIR) return fail(-ffi.ENOTDIR);
      const fd = ffi.openat(cur, name, DIR_FLAGS | ffi.O_NOFOLLOW);
      if (fd < 0) return fail(fd);
      stack.push(fd);
    }
    const last = stack[stack.length - 1];
    for (const fd of stack.slice(1, -1)) if (owned(fd)) closeSync(fd);
    // The result goes into the cache under its own key: never the root's or another entry's fd.
    return owned(last) ? last : ffi.openat(last, ffi.cpath("."), DIR_FLAGS);
  }
}
