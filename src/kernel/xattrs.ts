// What Linux accepts as an xattr (include/uapi/linux/limits.h, fs/xattr.c): a name of at most
// XATTR_NAME_MAX bytes with its namespace, one of four namespaces with a non-empty suffix, and a
// value of at most XATTR_SIZE_MAX bytes. Pure: both the extract sink and verify ask it.
import type { Xattr } from "../entries.js";

export const XATTR_NAME_MAX = 255;    // XATTR_NAME_MAX, namespace included
export const XATTR_SIZE_MAX = 65536;  // XATTR_SIZE_MAX
export const XATTR_NAMESPACES = ["security.", "system.", "trusted.", "user."];

/** Why an xattr cannot be set on Linux, or null if it is well formed. */
export function invalidXattr(x: Xattr): string | null {
  const name = x.name.toString("latin1");
  if (x.name.length > XATTR_NAME_MAX) return `name longer than ${XATTR_NAME_MAX} bytes`;
  const ns = XATTR_NAMESPACES.find((p) => name.startsWith(p));
  if (!ns) return "namespace is not security., system., trusted. or user.";
  if (name.length === ns.length) return "empty name after the namespace";
  if (x.value.length > XATTR_SIZE_MAX) return `value longer than ${XATTR_SIZE_MAX} bytes`;
  return null;
}
