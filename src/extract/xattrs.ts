// Applies an entry's xattrs: each validated first (name <= 255 bytes with a known namespace and
// a non-empty suffix, value <= 64 KiB), security.* last; without root only user.* is tried.
import type { Warning, WarningCode } from "../errors.js";
import type { Entry, Xattr } from "../entries.js";
import * as ffi from "../native/libc.js";
import { errnoName } from "../native/errno.js";
import { invalidXattr } from "../kernel/xattrs.js";

/** Where the xattrs go: an open fd (files, directories) or the object at dirFd/base itself. */
export type XattrTarget = { fd: number } | { dirFd: number; base: ffi.CPath };

export class XattrApplier {
  private readonly warnedNamespaces = new Set<string>();

  constructor(private readonly opts: { privileged: boolean; warn(w: Warning): void }) {}

  /** Sets xattrs (default: the entry's own) on the entry's object. */
  apply(e: Entry, target: XattrTarget, xattrs: Xattr[] | null = e.xattrs): void {
    if (!xattrs) return;
    // security.* last: setting other attributes (or a later chown) must not disturb them.
    const ordered = [...xattrs].sort((a, b) => Number(isSecurity(a)) - Number(isSecurity(b)));
    for (const x of ordered) {
      const name = x.name.toString("latin1");
      const bad = invalidXattr(x);
      if (bad) {
        this.warn(e, "CPIOX_XATTR_INVALID", `xattr ${JSON.stringify(name)} skipped: ${bad}`);
        continue;
      }
      if (!this.opts.privileged && !name.startsWith("user.")) {
        const ns = name.slice(0, name.indexOf(".") + 1);
        if (!this.warnedNamespaces.has(ns)) {
          this.warnedNamespaces.add(ns);
          this.warn(e, "CPIOX_XATTR_NOT_ROOT", `${ns}* xattrs need root: not set (reported once per namespace)`);
        }
        continue;
      }
      const cname = ffi.cpath(x.name);
      const r = "fd" in target ? ffi.fsetxattr(target.fd, cname, x.value) : ffi.lsetxattrAt(target.dirFd, target.base, cname, x.value);
      if (r < 0) {
        const refused = -r === ffi.EPERM && name.startsWith("user.") && e.type !== "file" && e.type !== "directory";
        this.warn(e, refused ? "CPIOX_XATTR_REFUSED" : "CPIOX_XATTR_FAILED",
          refused ? `${name}: the kernel allows user.* only on files and directories, not on a ${e.type}`
            : `${name}: ${errnoName(-r)}`);
      }
    }
  }

  private warn(e: Entry, code: WarningCode, message: string): void {
    this.opts.warn({ code, message, offset: e.offset, member: e.member, entry: e.path });
  }
}

function isSecurity(x: Xattr): boolean {
  return x.name.subarray(0, 9).toString("latin1") === "security.";
}
