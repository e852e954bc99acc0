// What the kernel decides for an entry: by its name alone, then against what is already at its
// path (clean_path, hard links, O_TRUNC). The extract sink applies each decision to a filesystem
// and verify's tree model to a map, so a change here changes both.
import { S_IFMT, S_IFREG, type EntryType } from "./modes.js";
import { endsWithSlash, namesDirectoryItself } from "./names.js";

export type NameDecision =
  /** A non-directory whose name can only name a directory (the root, ".", "..", a trailing "/"): nothing is created. */
  | "skip-directory-name"
  /** A directory entry naming the root or ending in "." or "..": its metadata applies to that existing directory. */
  | "directory-itself"
  /** An ordinary name: the entry is placed at its path. */
  | "place";

/** `parts`: the name split into components ("" and "." dropped, ".." kept). */
export function decideByName(e: { name: Uint8Array; type: EntryType }, parts: readonly Uint8Array[]): NameDecision {
  const namesDirectory = parts.length === 0 || namesDirectoryItself(e.name);
  if (e.type !== "directory" && (namesDirectory || endsWithSlash(e.name))) return "skip-directory-name";
  return namesDirectory ? "directory-itself" : "place";
}

/**
 * The type the kernel's clean_path is called with before an entry is created: the entry's own
 * type, or 0 (whatever is there goes) for a symlink and for a later instance of a hard link.
 */
export function cleanPathWanted(e: { mode: number; type: EntryType }, linked: boolean): number {
  return linked || e.type === "symlink" ? 0 : e.mode & S_IFMT;
}

/** clean_path: an existing object is removed when its type differs from the wanted one (a directory only when empty). */
export const cleanPathRemoves = (existingFmt: number, wantedFmt: number) => ((existingFmt ^ wantedFmt) & S_IFMT) !== 0;

/**
 * A regular file is opened with O_TRUNC unless it is a later hard-link instance; such an instance
 * replaces the shared content only when it carries data (the kernel truncates to its size then).
 */
export const replacesContent = (linked: boolean, size: number) => !linked || size > 0;

/**
 * What the kernel still does to an object that stays at the path (same type, or a directory
 * clean_path could not remove) when the entry's own create finds it there:
 * - "reuse": a regular file reopened with O_TRUNC: the same inode takes the entry's data and metadata;
 * - "metadata": mkdir/mknod fail with EEXIST and chown and chmod still apply to what is there;
 * - "owner": symlink fails with EEXIST and only the chown applies;
 * - "nothing": the open or link fails and the entry is dropped.
 */
export type WhenObjectStays = "reuse" | "metadata" | "owner" | "nothing";

export function whenObjectStays(e: { type: EntryType }, linked: boolean, existingFmt: number): WhenObjectStays {
  switch (e.type) {
    case "directory": return "metadata";
    case "symlink": return "owner";
    case "file": return !linked && existingFmt === S_IFREG ? "reuse" : "nothing";
    case "char": case "block": case "fifo": case "socket": return linked ? "nothing" : "metadata";
    default: return "nothing";
  }
}
