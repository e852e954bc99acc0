// What the kernel does with an entry because of its name alone, before it looks at the tree.
// The extract sink applies the decision to a filesystem and verify's tree model to a map, so a
// change here changes both.
import type { EntryType } from "./modes.js";
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
