// The kernel's hard-link table, pure: key (dev major, dev minor, ino, type) for entries with nlink >= 2,
// cleared at every TRAILER!!! and at the end of the input. Like the kernel's, it remembers where
// the first instance was placed (its name), not the object: a later instance links to whatever is
// at that name by then.
import type { Entry } from "../entries.js";
import { S_IFMT, type EntryType } from "./modes.js";

/** The types do_name passes to maybe_link. */
const LINKABLE = new Set<EntryType>(["file", "char", "block", "fifo", "socket"]);

/** The kernel's link key: device, inode and file type. */
export const hardLinkKey = (e: Entry) => `${e.devMajor}:${e.devMinor}:${e.ino}:${e.mode & S_IFMT}`;

/** `Place`: how the caller names the first instance's place (the extract sink: path parts; verify: its model's key). */
export class HardLinkTable<Place = Buffer[]> {
  private first = new Map<string, Place>();

  /**
   * The place of the earlier instance, or undefined after remembering this one as the first. Only
   * regular files and special files are linked (maybe_link); directories and symlinks never are.
   */
  lookup(entry: Entry, place: Place): Place | undefined {
    if (entry.nlink < 2 || !LINKABLE.has(entry.type)) return undefined;
    const key = hardLinkKey(entry);
    const earlier = this.first.get(key);
    if (earlier === undefined) this.first.set(key, place);
    return earlier;
  }

  /** TRAILER!!! or the end of input: the table is freed; returns what it held, by key. */
  clear(): ReadonlyMap<string, Place> {
    const held = this.first;
    this.first = new Map();
    return held;
  }
}
