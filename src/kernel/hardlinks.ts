// The kernel's hard-link table, pure: key (dev major, dev minor, ino, type) for entries with nlink >= 2,
// cleared at every TRAILER!!! and at the end of the input.
import type { Entry } from "../entries.js";
import { S_IFMT } from "./modes.js";

/** The kernel's link key: device, inode and file type. */
export const hardLinkKey = (e: Entry) => `${e.devMajor}:${e.devMinor}:${e.ino}:${e.mode & S_IFMT}`;

export class HardLinkTable {
  private readonly first = new Map<string, Buffer[]>();

  /** The parts of the earlier instance, or undefined after remembering this one as the first. */
  lookup(entry: Entry, parts: Buffer[]): Buffer[] | undefined {
    if (entry.nlink < 2) return undefined;
    const key = hardLinkKey(entry);
    const earlier = this.first.get(key);
    if (!earlier) this.first.set(key, parts);
    return earlier;
  }

  clear(): void {
    this.first.clear();
  }
}
