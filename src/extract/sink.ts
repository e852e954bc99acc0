// The filesystem sink: turns entries into objects under the root in the kernel's order
// (remove a conflicting object, create, write, chown, chmod, times), never outside the root.
import { closeSync, readFileSync, fchmodSync, fchownSync, futimesSync, writeSync } from "node:fs";
import { fsError, type Warning, type WarningCode } from "../errors.js";
import { printableName, type Entry, type Xattr } from "../entries.js";
import { modeWarnings, S_IFDIR, S_IFLNK, S_IFMT, typeOfMode } from "../kernel/modes.js";
import type { XattrListPath } from "../core/xattr-list-file.js";
import type { BodySink } from "../core/body.js";
import type { ArchiveEvents } from "../members/splitter.js";
import * as ffi from "../native/libc.js";
import { HardLinkTable } from "../kernel/hardlinks.js";
import { isDotDot, namesDirectoryItself, splitName } from "../kernel/names.js";
import { cleanPathRemoves, cleanPathWanted, decideByName, replacesContent, whenObjectStays } from "../kernel/decisions.js";
import { RootResolver, type ResolverKind } from "./resolver.js";
import { errnoName } from "../native/errno.js";
import { XattrApplier } from "./xattrs.js";

const FILE_FLAGS = ffi.O_NOFOLLOW | ffi.O_CLOEXEC;
const PERMS = 0o7777;
const UNCHANGED = 0xffffffff; // chown's "leave unchanged"

export interface ExtractSinkOptions {
  root: string;
  warn(w: Warning): void;
  makeParents: boolean;
  preserveOwner: boolean;
  privileged: boolean;
  resolver: ResolverKind | "auto";
  /** Apply the xattrs entries carry (false: --no-xattrs; their framing is still checked). */
  xattrs: boolean;
}

interface DeferredDir {
  parts: Buffer[];
  mtime: number;
  mode: number | null; // exact mode to restore when it was relaxed for an unprivileged run
}

export class ExtractSink implements ArchiveEvents {
  private readonly resolver: RootResolver;
  private readonly links = new HardLinkTable();
  private readonly deferred: DeferredDir[] = [];
  private readonly warnedOnce = new Set<WarningCode>();
  /** The file whose body is streaming. */
  private open: { fd: number; written: number } | null = null;
  private readonly umask = processUmask();
  private readonly xattrs: XattrApplier;
  files = 0;
  bytes = 0;

  constructor(private readonly opts: ExtractSinkOptions, rootFd: number) {
    this.resolver = new RootResolver(rootFd, opts.resolver);
    this.xattrs = new XattrApplier(opts);
  }

  get resolverKind(): ResolverKind { return this.resolver.kind; }

  warn(w: Warning): void { this.opts.warn(w); }

  entry(e: Entry): BodySink | null {
    this.resolver.release();
    if (e.type === "trailer") {
      this.links.clear();
      return null;
    }
    const parts = splitName(e.name);
    const byName = decideByName(e, parts);
    if (byName === "skip-directory-name") return this.refuseDirectoryName(e);
    if (byName === "directory-itself") return this.onDirItself(e, parts);
    const dirFd = this.parentFd(e, parts.slice(0, -1));
    if (dirFd < 0) return null;
    const base = ffi.cpath(parts[parts.length - 1]);
    switch (e.type) {
      case "file": return this.file(e, parts, dirFd, base);
      case "directory": return this.directory(e, parts, dirFd, base);
      case "symlink": return this.symlink(e, dirFd, base);
      case "char": case "block": case "fifo": case "socket": return this.special(e, parts, dirFd, base);
      default:
        this.cleanPath(e, dirFd, base, cleanPathWanted(e, false));
        for (const w of modeWarnings(e)) this.warnAt(e, w.code, w.message);
        return null;
    }
  }

  /** Xattrs from a METADATA!!! file: set on the earlier entry's object, never following a symlink. */
  metadata(target: Entry, xattrs: Xattr[]): void {
    if (!this.opts.xattrs) return;
    this.resolver.release();
    const at = this.locate(target.name);
    // A missing parent: the entry itself was skipped for it, and said so.
    if (at.dirFd >= 0) this.xattrs.apply(target, at, xattrs);
  }

  /** A .xattr-list: each path resolves inside the root like any entry; never follows a final symlink. */
  xattrList(paths: XattrListPath[], from: Entry): void {
    if (!this.opts.xattrs) return;
    this.resolver.release();
    for (const { path, xattrs } of paths) {
      if (!xattrs.length) continue;
      const shown = printableName(path);
      const target: Entry = { ...from, name: path, path: shown, type: "file", xattrs };
      const at = this.locate(path);
      const type = at.dirFd < 0 ? at.dirFd : ffi.typeAt(at.dirFd, at.base);
      if (type < 0) {
        this.warnAt(target, "CPIOX_XATTR_LIST_MISSING", `.xattr-list names ${JSON.stringify(shown)}, which does not exist (${errnoName(-type)})`);
        continue;
      }
      target.type = typeOfMode(type);
      this.xattrs.apply(target, at, xattrs);
    }
  }

  /**
   * The directory fd and final name of an existing path, resolved in the root; a path ending in
   * "." or ".." (or the root itself) names a directory, so all of it is resolved and the name is ".".
   */
  private locate(name: Uint8Array): { dirFd: number; base: ffi.CPath } {
    const parts = splitName(name);
    const itself = parts.length === 0 || namesDirectoryItself(name);
    return {
      dirFd: this.resolver.openDir(itself ? parts : parts.slice(0, -1)),
      base: ffi.cpath(itself ? "." : parts[parts.length - 1]),
    };
  }

  /** End of input: the kernel frees the link table and applies directory times, newest first. */
  finish(): void {
    if (this.open) {
      // Input ended inside the body: the file keeps the bytes that came, never the declared size
      // (the kernel pre-truncates to it; a hostile header could declare a terabyte).
      closeSync(this.open.fd);
      this.open = null;
    }
    this.links.clear();
    this.resolver.invalidate();
    // The kernel walks its list newest first, so for each object the first entry naming it wins.
    // Walking oldest first and skipping objects already done gives the same result, and each
    // directory's parent is then usually the one just resolved (linear in the names, not
    // quadratic in the depth).
    const done = new Set<string>();
    for (const d of this.deferred) {
      const itself = d.parts.length === 0;
      const dirFd = itself ? this.resolver.rootFd : this.resolver.openDir(d.parts.slice(0, -1));
      if (dirFd < 0) continue;
      const base = ffi.cpath(itself ? "." : d.parts[d.parts.length - 1]);
      const id = ffi.identityAt(dirFd, base);
      if (id === null || done.has(id.key)) continue;
      done.add(id.key);
      if (d.mode !== null && id.type === S_IFDIR) ffi.fchmodat(dirFd, base, d.mode, 0);
      const r = ffi.utimensat(dirFd, base, d.mtime, ffi.AT_SYMLINK_NOFOLLOW);
      if (r < 0 && itself) this.warnRoot("CPIOX_ATTRIBUTES_FAILED", `cannot set the root's mtime (${errnoName(-r)})`);
    }
    this.deferred.length = 0;
    this.resolver.close();
  }

  private parentFd(e: Entry, parents: Buffer[]): number {
    let fd = this.resolver.openDir(parents);
    if (fd >= 0) return fd;
    if (this.opts.makeParents && fd === -ffi.ENOENT) fd = this.resolver.makeDirs(parents);
    if (fd >= 0) return fd;
    this.warnAt(e, "CPIOX_MISSING_PARENT", `parent directory cannot be opened (${errnoName(-fd)}): entry skipped`);
    return fd;
  }

  /** The kernel's clean_path: remove what is at the path when its type differs from the wanted one. */
  private cleanPath(e: Entry, dirFd: number, base: ffi.CPath, wanted: number): void {
    const existing = ffi.typeAt(dirFd, base);
    if (existing < 0 || !cleanPathRemoves(existing, wanted)) return;
    const r = ffi.unlinkat(dirFd, base, existing === S_IFDIR ? ffi.AT_REMOVEDIR : 0);
    // What paths resolve through may have changed.
    if (existing === S_IFDIR || existing === S_IFLNK) this.resolver.invalidate();
    if (r < 0) this.warnAt(e, "CPIOX_REPLACE_FAILED", `cannot remove the existing object (${errnoName(-r)})`);
  }

  /** The kernel's maybe_link: a hard link to the earlier instance (clean_path has cleared the way). */
  private linkTo(e: Entry, earlier: Buffer[], dirFd: number, base: ffi.CPath): boolean {
    const oldDir = this.resolver.openDir(earlier.slice(0, -1));
    const r = oldDir < 0 ? oldDir : ffi.linkat(oldDir, ffi.cpath(earlier[earlier.length - 1]), dirFd, base);
    if (r < 0) this.warnAt(e, "CPIOX_CREATE_FAILED", `hard link failed (${errnoName(-r)}): entry skipped`);
    return r >= 0;
  }

  private file(e: Entry, parts: Buffer[], dirFd: number, base: ffi.CPath): BodySink | null {
    const earlier = this.links.lookup(e, parts);
    const linked = earlier !== undefined;
    const perm = e.mode & PERMS;
    // Fast path: nothing at the path yet, so the kernel's clean_path would do nothing.
    let fd = linked ? -1 : ffi.openat(dirFd, base, ffi.O_WRONLY | ffi.O_CREAT | ffi.O_EXCL | FILE_FLAGS, perm & 0o777);
    const fresh = fd >= 0;
    if (!fresh) {
      this.cleanPath(e, dirFd, base, cleanPathWanted(e, linked));
      if (linked && !this.linkTo(e, earlier, dirFd, base)) return null;
      // A linked instance without data leaves the shared content alone; with data it replaces it
      // (the kernel truncates to the new size, then writes).
      const truncate = replacesContent(linked, e.size) ? ffi.O_TRUNC : 0;
      fd = ffi.openat(dirFd, base, ffi.O_WRONLY | ffi.O_CREAT | FILE_FLAGS | truncate, perm & 0o777);
    }
    if (fd < 0) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", `cannot open for writing (${errnoName(-fd)}): entry skipped`);
      return null;
    }
    const open = { fd, written: 0 };
    this.open = open;
    this.files++;
    this.chown(e, () => fchownSync(fd, ...ids(e)));
    // A fresh file already has its mode unless the umask took bits or special bits are wanted.
    if (!fresh || perm & 0o7000 || perm & this.umask) this.setAttributes(e, "mode", () => fchmodSync(fd, perm));
    const sink: BodySink = {
      write: (chunk) => {
        let off = 0;
        try {
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (err) {
          throw fsError("CPIOX_WRITE_FAILED", "write error", err, { offset: e.offset, member: e.member, entry: e.path });
        }
        open.written += chunk.length;
        this.bytes += chunk.length;
      },
      end: () => {
        // Writing as a non-root user clears setuid/setgid (no CAP_FSETID): set them again.
        if (e.mode & 0o6000 && !this.opts.privileged) fchmodSync(fd, e.mode & PERMS);
        this.applyXattrs(e, { fd });
        futimesSync(fd, e.mtime, e.mtime);
        closeSync(fd);
        this.open = null;
      },
    };
    return sink;
  }

  private directory(e: Entry, parts: Buffer[], dirFd: number, base: ffi.CPath): null {
    this.cleanPath(e, dirFd, base, cleanPathWanted(e, false));
    const r = ffi.mkdirat(dirFd, base, 0o700);
    if (r < 0 && r !== -ffi.EEXIST) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", `mkdir failed (${errnoName(-r)})`);
      return null;
    }
    const fd = ffi.openat(dirFd, base, ffi.O_RDONLY | ffi.O_DIRECTORY | ffi.O_NOFOLLOW | ffi.O_CLOEXEC);
    if (fd < 0) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", `cannot open the directory (${errnoName(-fd)})`);
      return null;
    }
    try {
      this.applyDirMeta(e, fd, parts);
    } finally {
      closeSync(fd);
    }
    return null;
  }

  /** A directory entry naming the root or ending in "." or "..": it applies to that directory. */
  private onDirItself(e: Entry, parts: Buffer[]): null {
    const pathFd = this.resolver.openDir(parts);
    if (pathFd < 0) {
      this.parentFd(e, parts);
      return null;
    }
    const fd = ffi.openat(pathFd, ffi.cpath("."), ffi.O_RDONLY | ffi.O_DIRECTORY | ffi.O_CLOEXEC);
    if (fd < 0) return null;
    try {
      // Keep the parts that name it, with ".." resolved away, for the deferred mtime.
      this.applyDirMeta(e, fd, parts.some(isDotDot) ? null : parts);
    } finally {
      closeSync(fd);
    }
    return null;
  }

  private refuseDirectoryName(e: Entry): null {
    this.warnAt(e, "CPIOX_DIRECTORY_NAME", `the name ends in "/", "." or ".." but the entry is a ${e.type}: skipped`);
    return null;
  }

  private applyDirMeta(e: Entry, fd: number, parts: Buffer[] | null): void {
    this.chown(e, () => fchownSync(fd, ...ids(e)));
    // Unprivileged, a read-only directory would stop us filling it: keep owner rwx until the end.
    const exact = e.mode & PERMS;
    const relaxed = this.opts.privileged ? exact : exact | 0o700;
    // An existing directory owned by someone else (a 1777 /tmp as the root) keeps its mode.
    this.setAttributes(e, "mode", () => fchmodSync(fd, relaxed));
    this.applyXattrs(e, { fd });
    if (parts) this.deferred.push({ parts, mtime: e.mtime, mode: relaxed !== exact ? exact : null });
  }

  private symlink(e: Entry, dirFd: number, base: ffi.CPath): null {
    this.cleanPath(e, dirFd, base, cleanPathWanted(e, false));
    const target = e.linkTarget!;
    if (target.length === 0) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", "empty symlink target: the kernel cannot create it");
      return null;
    }
    const r = ffi.symlinkat(ffi.cpath(target), dirFd, base);
    if (r < 0) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", `symlink failed (${errnoName(-r)})`);
      // A non-empty directory clean_path could not remove stays, and still takes the owner.
      const stays = r === -ffi.EEXIST ? ffi.typeAt(dirFd, base) : -1;
      if (stays >= 0 && whenObjectStays(e, false, stays) === "owner") {
        this.chown(e, () => check(ffi.fchownat(dirFd, base, ...ids(e), ffi.AT_SYMLINK_NOFOLLOW)));
      }
      return null;
    }
    this.resolver.invalidate();
    this.chown(e, () => check(ffi.fchownat(dirFd, base, ...ids(e), ffi.AT_SYMLINK_NOFOLLOW)));
    this.applyXattrs(e, { dirFd, base });
    ffi.utimensat(dirFd, base, e.mtime, ffi.AT_SYMLINK_NOFOLLOW);
    return null;
  }

  private special(e: Entry, parts: Buffer[], dirFd: number, base: ffi.CPath): null {
    const earlier = this.links.lookup(e, parts);
    this.cleanPath(e, dirFd, base, cleanPathWanted(e, earlier !== undefined));
    if (earlier) {
      this.linkTo(e, earlier, dirFd, base);
      return null;
    }
    const isDevice = e.type === "char" || e.type === "block";
    if (isDevice && !this.opts.privileged) {
      this.warnOnce(e, "CPIOX_NOT_ROOT_DEVICE", "device nodes need root: skipped");
      return null;
    }
    let dev = 0n;
    if (isDevice) {
      for (const w of modeWarnings(e)) this.warnAt(e, w.code, w.message);
      const kdev = ((e.rdevMajor << 20) | e.rdevMinor) >>> 0; // the kernel's MKDEV in 32 bits
      dev = ffi.makedev(kdev >>> 20, kdev & 0xfffff);
    }
    const r = ffi.mknodat(dirFd, base, (e.mode & S_IFMT) | (e.mode & PERMS & 0o777), dev);
    // EEXIST: an object of the same type stays, like the kernel; its metadata is updated below.
    if (r < 0 && r !== -ffi.EEXIST) {
      this.warnAt(e, "CPIOX_CREATE_FAILED", `mknod failed (${errnoName(-r)})`);
      return null;
    }
    this.chown(e, () => check(ffi.fchownat(dirFd, base, ...ids(e), ffi.AT_SYMLINK_NOFOLLOW)));
    ffi.fchmodat(dirFd, base, e.mode & PERMS, 0);
    this.applyXattrs(e, { dirFd, base });
    ffi.utimensat(dirFd, base, e.mtime, ffi.AT_SYMLINK_NOFOLLOW);
    return null;
  }

  /** After chown and chmod, before times, as the xattr patches did. */
  private applyXattrs(e: Entry, target: Parameters<XattrApplier["apply"]>[1]): void {
    if (this.opts.xattrs) this.xattrs.apply(e, target);
  }

  private chown(e: Entry, apply: () => void): void {
    if (!this.opts.preserveOwner) return;
    if (!this.opts.privileged) {
      const [uid, gid] = ids(e);
      if ((uid !== -1 && uid !== process.getuid!()) || (gid !== -1 && gid !== process.getgid!())) {
        this.warnOnce(e, "CPIOX_NOT_ROOT_OWNER", "owners and groups need root: left as the extracting user");
      }
      return;
    }
    try {
      apply();
    } catch {
      // The kernel ignores chown failures too; nothing to add.
    }
  }

  /** chmod and the like on an object that may not be ours: a failure is one warning per entry, not an abort. */
  private setAttributes(e: Entry, what: string, apply: () => void): void {
    try {
      apply();
    } catch (err) {
      this.warnAt(e, "CPIOX_ATTRIBUTES_FAILED", `cannot set the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }

  private warnRoot(code: WarningCode, message: string): void {
    this.opts.warn({ code, message, entry: "." });
  }

  private warnAt(e: Entry, code: WarningCode, message: string): void {
    this.opts.warn({ code, message, offset: e.offset, member: e.member, entry: e.path });
  }

  private warnOnce(e: Entry, code: WarningCode, message: string): void {
    if (this.warnedOnce.has(code)) return;
    this.warnedOnce.add(code);
    this.warnAt(e, code, `${message} (reported once)`);
  }
}

function ids(e: Entry): [number, number] {
  return [e.uid === UNCHANGED ? -1 : e.uid, e.gid === UNCHANGED ? -1 : e.gid];
}

function check(r: number): void {
  if (r < 0) throw new Error(errnoName(-r));
}

// The umask without changing it (process.umask() with no argument is deprecated).
export function processUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "latin1"));
    if (m) return parseInt(m[1], 8);
  } catch {
    // fall through: assume the worst, so modes are always set explicitly
  }
  return 0o777;
}
