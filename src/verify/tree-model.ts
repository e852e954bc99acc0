// The tree an image builds at boot, modelled without touching a disk: which path holds what,
// which inode hard links share, and where each came from. The structural rules that need
// history (overwrites, paths through symlinks, missing parents, links across archives) live here.
import type { Entry, EntryType, Xattr } from "../entries.js";
import { isDotDot, splitName } from "../kernel/names.js";
import { cleanPathRemoves, cleanPathWanted, decideByName, replacesContent, whenObjectStays } from "../kernel/decisions.js";
import { HardLinkTable, hardLinkKey } from "../kernel/hardlinks.js";
import { S_IFDIR, S_IFMT } from "../kernel/modes.js";

/** What the kernel's chown/chmod/write leave on an inode; hard links share one. */
export interface Inode {
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  rdev: string | null;
  linkTarget: Buffer | null;
  /** Hex digests of the data by node:crypto hash name (regular files, once their data was read). */
  digests: Record<string, string> | null;
  /** null until the first xattr: most inodes have none, and memory is per path. */
  xattrs: Xattr[] | null;
}

export interface PathNode {
  /** Normalized path bytes (components joined by "/"), latin1: the map key. */
  key: string;
  /** The path's number, by which its children are found (a new object at the path gets a new one). */
  slot: number;
  inode: Inode;
  /** Where the entry that made it came from. */
  entry: { path: string; member: number; offset: number };
}

export type StructuralFinding =
  | "overwrite" | "through-symlink" | "missing-parent" | "hardlink-across" | "kernel-skips";

export interface Placement {
  node: PathNode | null;
  /** The entry joined an earlier instance's inode as a hard link. */
  linked: boolean;
  findings: { kind: StructuralFinding; message: string }[];
}

/** Lexical normalization: "" and "." vanish, ".." drops the previous component and stops at the root. */
export function normalizedParts(name: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (const p of splitName(name)) {
    if (isDotDot(p)) out.pop();
    else out.push(p);
  }
  return out;
}

/** A normalized path's key in the model (and the spelling its manifest row escapes). */
export const keyOf = (parts: readonly Buffer[]) => parts.map((p) => p.toString("latin1")).join("/");

/** The root directory, which every image has without an entry for it. */
const ROOT: PathNode = {
  key: "",
  slot: 0,
  inode: { type: "directory", mode: 0o40755, uid: 0, gid: 0, size: 0, rdev: null, linkTarget: null, digests: null, xattrs: null },
  entry: { path: ".", member: 0, offset: 0 },
};

export class TreeModel {
  readonly paths = new Map<string, PathNode>();
  /**
   * The node at each path by (parent's slot, component): ancestors are found one short key at a
   * time, so placing an entry costs its name's length, not its depth times that.
   */
  private readonly children = new Map<string, PathNode>();
  private nextSlot = 1;
  private childOf(parent: number, part: Buffer): PathNode | undefined {
    return this.children.get(`${parent}/${part.toString("latin1")}`);
  }
  /** Where the first instance of each hard link was placed (its key), as the kernel remembers its name. */
  private readonly links = new HardLinkTable<{ key: string; member: number }>();
  /** Link keys of archives already ended by TRAILER!!!, with the member that held them. */
  private readonly forgottenLinks = new Map<string, number>();
  /** Children per directory slot: clean_path cannot remove a directory that has any. */
  private readonly childCount = new Map<number, number>();

  /**
   * Places an entry the way the kernel would; returns the node (null if the kernel drops it) and
   * findings. `parts` is normalizedParts(e.name). The decisions are the kernel's (kernel/decisions.ts),
   * applied to the map as the extract sink applies them to a filesystem.
   */
  place(e: Entry, parts: readonly Buffer[]): Placement {
    const findings: Placement["findings"] = [];
    const dropped = { node: null, linked: false, findings };
    if (decideByName(e, parts) === "skip-directory-name") {
      findings.push({ kind: "kernel-skips", message: `a ${e.type} named like a directory (ends in "/", "." or ".."): the kernel cannot create it` });
      return dropped;
    }
    if (!parts.length) {
      // The root itself: only a directory entry can name it; its mode applies to the root.
      return dropped;
    }
    // Each ancestor once, by its parent's slot: a path through a symlink or a missing directory stops here.
    let parent: PathNode | undefined = ROOT;
    for (let i = 0; i < parts.length - 1 && parent; i++) {
      parent = this.childOf(parent.slot, parts[i]);
      if (parent?.inode.type === "symlink") {
        findings.push({ kind: "through-symlink", message: `passes through the symlink ${JSON.stringify(parent.entry.path)} (member ${parent.entry.member}) to ${JSON.stringify(parent.inode.linkTarget?.toString("latin1"))}` });
        return dropped;
      }
    }
    if (parts.length > 1) {
      if (parent?.inode.type !== "directory") {
        const why = parent ? `is a ${parent.inode.type}` : "is not in the image before it";
        findings.push({ kind: "missing-parent", message: `the parent directory ${why}: the kernel drops this entry` });
        return dropped;
      }
    }
    const parentSlot = parent?.slot ?? 0;
    const childKey = `${parentSlot}/${parts[parts.length - 1].toString("latin1")}`;
    const key = keyOf(parts);
    const earlier = this.earlierInstance(e, key, findings);
    const linked = earlier !== undefined;
    let existing = this.children.get(childKey);
    const existingFmt = existing ? existing.inode.mode & S_IFMT : 0;
    if (existing) {
      if (existingFmt !== S_IFDIR || e.type !== "directory") {
        findings.push({ kind: "overwrite", message: `replaces the ${existing.inode.type} from member ${existing.entry.member} at offset ${existing.entry.offset}` });
      }
      if (cleanPathRemoves(existingFmt, cleanPathWanted(e, linked))) {
        if (this.childCount.get(existing.slot)) {
          findings.push({ kind: "kernel-skips", message: `the ${existing.inode.type} at its path is not empty, so the kernel cannot remove it to create this ${e.type}` });
        } else {
          this.remove(existing, childKey, parentSlot);
          existing = undefined;
        }
      }
    }
    if (existing) return { node: this.onObjectThatStays(e, linked, existing, existingFmt), linked: false, findings };
    let inode: Inode;
    if (earlier) {
      // The kernel links to whatever is at the first instance's name now; a link to a directory or to nothing fails.
      const first = this.paths.get(earlier.key);
      if (!first || first.inode.type === "directory") {
        findings.push({ kind: "kernel-skips", message: `the hard link's first instance (${JSON.stringify(earlier.key)}) is ${first ? "a directory" : "gone"}: the kernel cannot link to it` });
        return dropped;
      }
      inode = first.inode;
      this.setMetadata(inode, e);
      if (e.type === "file" && replacesContent(true, e.size)) this.setContent(inode, e.size);
    } else {
      inode = {
        type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.type === "file" ? e.size : 0,
        rdev: e.type === "char" || e.type === "block" ? `${e.rdevMajor}:${e.rdevMinor}` : null,
        linkTarget: e.linkTarget, digests: null, xattrs: null,
      };
    }
    const node: PathNode = { key, slot: this.nextSlot++, inode, entry: { path: e.path, member: e.member, offset: e.offset } };
    this.paths.set(key, node);
    this.children.set(childKey, node);
    this.childCount.set(parentSlot, (this.childCount.get(parentSlot) ?? 0) + 1);
    return { node, linked, findings };
  }

  /** A later instance of a hard link: where the first was placed; remembers this one if it is the first. */
  private earlierInstance(e: Entry, key: string, findings: Placement["findings"]): { key: string; member: number } | undefined {
    const earlier = this.links.lookup(e, { key, member: e.member });
    const gone = earlier === undefined && e.nlink >= 2 ? this.forgottenLinks.get(hardLinkKey(e)) : undefined;
    if (gone !== undefined) {
      findings.push({ kind: "hardlink-across", message: `inode ${e.ino} was hard-linked in an earlier archive (member ${gone}); the kernel forgot it at TRAILER!!!, so this is a separate file` });
    }
    return earlier;
  }

  /** The object at the path stays (kernel/decisions.ts whenObjectStays): what the entry still does to it. */
  private onObjectThatStays(e: Entry, linked: boolean, existing: PathNode, existingFmt: number): PathNode | null {
    switch (whenObjectStays(e, linked, existingFmt)) {
      case "reuse":
        this.setMetadata(existing.inode, e);
        this.setContent(existing.inode, e.size);
        existing.entry = { path: e.path, member: e.member, offset: e.offset };
        return existing;
      case "metadata":
        this.setMetadata(existing.inode, e);
        return existing;
      case "owner":
        Object.assign(existing.inode, { uid: e.uid, gid: e.gid });
        return null;
      case "nothing":
        return null;
    }
  }

  /** chown and chmod: the permission bits change, the type stays the object's own. */
  private setMetadata(inode: Inode, e: Entry): void {
    Object.assign(inode, { mode: (inode.mode & S_IFMT) | (e.mode & ~S_IFMT), uid: e.uid, gid: e.gid });
  }

  private setContent(inode: Inode, size: number): void {
    inode.size = size;
    inode.digests = null;
  }

  /** clean_path's rmdir or unlink (the caller checked that a directory is empty). */
  private remove(node: PathNode, childKey: string, parentSlot: number): void {
    this.paths.delete(node.key);
    this.children.delete(childKey);
    this.childCount.delete(node.slot);
    this.childCount.set(parentSlot, this.childCount.get(parentSlot)! - 1);
  }

  /** TRAILER!!!: the kernel frees its hard-link table. */
  trailer(): void {
    for (const [k, v] of this.links.clear()) this.forgottenLinks.set(k, v.member);
  }

  /** The node a path names now (lexically normalized), if any. */
  lookup(name: Uint8Array): PathNode | undefined {
    return this.paths.get(keyOf(normalizedParts(name)));
  }

  /**
   * Follows a symlink's target inside the image (absolute targets from the root, relative ones
   * from the link's directory), through other symlinks; null if it reaches nothing.
   */
  resolveTarget(node: PathNode, maxHops = 40): PathNode | null {
    let current = node;
    for (let hop = 0; hop < maxHops; hop++) {
      const target = current.inode.linkTarget;
      if (!target) return current;
      const base = target[0] === 0x2f ? [] : current.key.split("/").slice(0, -1);
      const parts = normalizedParts(Buffer.concat([Buffer.from(base.join("/"), "latin1"), Buffer.from("/"), target]));
      if (!parts.length) return ROOT; // the root always exists
      const next = this.resolveParts(parts, maxHops - hop);
      if (!next) return null;
      if (next.inode.type !== "symlink") return next;
      current = next;
    }
    return null;
  }

  /** Walks parts from the root, following symlinks in the middle; null if anything is missing. */
  private resolveParts(parts: Buffer[], hops: number): PathNode | null {
    let node: PathNode = ROOT;
    for (let i = 0; i < parts.length; i++) {
      const next = this.childOf(node.slot, parts[i]);
      if (!next) return null;
      node = next;
      if (i < parts.length - 1 && node.inode.type === "symlink") {
        if (hops <= 0) return null;
        const resolved = this.resolveTarget(node, hops - 1);
        if (!resolved || resolved.inode.type !== "directory") return null;
        node = resolved;
      }
    }
    return node;
  }
}

/** How far a relative target climbs above the root when followed naively from `linkParts`' directory. */
export function climbsAboveRoot(linkParts: readonly Buffer[], target: Uint8Array): boolean {
  if (target[0] === 0x2f) return false; // absolute: resolved from the image's own root at boot
  let depth = linkParts.length - 1;
  for (const p of splitName(target)) {
    depth += isDotDot(p) ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}
