// Names for the errno values extraction reports.

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 13: "EACCES", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
  9: "EBADF", 61: "ENODATA", 95: "EOPNOTSUPP", 7: "E2BIG", 34: "ERANGE", 28: "ENOSPC", 36: "ENAMETOOLONG", 39: "ENOTEMPTY", 40: "ELOOP", 18: "EXDEV", 30: "EROFS",
};
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
