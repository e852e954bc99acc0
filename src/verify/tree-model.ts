// The tree an image builds at boot, modelled without touching a disk: which path holds what,
// which inode hard links share, and where each came from. The structural rules that need
// history (overwrites, paths through symlinks, missing parents, links across archives) live here.
import type { Entry, EntryType, Xattr } from "../entries.js";
import { isDotDot, splitName } from "../kernel/names.js";
import { decideByName } from "../kernel/decisions.js";
import { hardLinkKey } from "../kernel/hardlinks.js";

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
  /** The path's number: a node replacing another at the same path keeps it, so children stay found. */
  slot: number;
  inode: Inode;
  /** Where the entry that made it came from. */
  entry: { path: string; member: number; offset: number };
}

export type StructuralFinding =
  | "overwrite" | "through-symlink" | "missing-parent" | "hardlink-across" | "kernel-skips";

export interface Placement {
  node: PathNode | null;
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

const keyOf = (parts: readonly Buffer[]) => parts.map((p) => p.toString("latin1")).join("/");

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
  private links = new Map<string, { inode: Inode; member: number }>();
  /** Link keys of archives already ended by TRAILER!!!, with the member that held them. */
  private readonly forgottenLinks = new Map<string, number>();

  /**
   * Places an entry the way the kernel would; returns the node (null if the kernel drops it) and
   * findings. `parts` is normalizedParts(e.name).
   */
  place(e: Entry, parts: readonly Buffer[]): Placement {
    const findings: Placement["findings"] = [];
    if (decideByName(e, parts) === "skip-directory-name") {
      findings.push({ kind: "kernel-skips", message: `a ${e.type} named like a directory (ends in "/", "." or ".."): the kernel cannot create it` });
      return { node: null, findings };
    }
    if (!parts.length) {
      // The root itself: only a directory entry can name it; its mode applies to the root.
      return { node: null, findings };
    }
    // Each ancestor once, by its parent's slot: a path through a symlink or a missing directory stops here.
    let parent: PathNode | undefined = ROOT;
    for (let i = 0; i < parts.length - 1 && parent; i++) {
      parent = this.childOf(parent.slot, parts[i]);
      if (parent?.inode.type === "symlink") {
        findings.push({ kind: "through-symlink", message: `passes through the symlink ${JSON.stringify(parent.entry.path)} (member ${parent.entry.member}) to ${JSON.stringify(parent.inode.linkTarget?.toString("latin1"))}` });
        return { node: null, findings };
      }
    }
    if (parts.length > 1) {
      if (parent?.inode.type !== "directory") {
        const why = parent ? `is a ${parent.inode.type}` : "is not in the image before it";
        findings.push({ kind: "missing-parent", message: `the parent directory ${why}: the kernel drops this entry` });
        return { node: null, findings };
      }
    }
    const parentSlot = parent?.slot ?? 0;
    const childKey = `${parentSlot}/${parts[parts.length - 1].toString("latin1")}`;
    const where = { path: e.path, member: e.member, offset: e.offset };
    const existing = this.children.get(childKey);
    if (existing) {
      if (existing.inode.type === "directory" && e.type === "directory") {
        // mkdir fails with EEXIST; chown and chmod still apply, as for the kernel.
        Object.assign(existing.inode, { mode: e.mode, uid: e.uid, gid: e.gid });
        return { node: existing, findings };
      }
      findings.push({ kind: "overwrite", message: `replaces the ${existing.inode.type} from member ${existing.entry.member} at offset ${existing.entry.offset}` });
    }
    const inode = this.inodeFor(e, findings);
    const key = existing?.key ?? keyOf(parts);
    const node: PathNode = { key, slot: existing?.slot ?? this.nextSlot++, inode, entry: where };
    this.paths.set(key, node);
    this.children.set(childKey, node);
    return { node, findings };
  }

  /** A hard link shares the inode of the first instance in the same archive; data and metadata of the last apply. */
  private inodeFor(e: Entry, findings: Placement["findings"]): Inode {
    const fresh = (): Inode => ({
      type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.type === "file" ? e.size : 0,
      rdev: e.type === "char" || e.type === "block" ? `${e.rdevMajor}:${e.rdevMinor}` : null,
      linkTarget: e.linkTarget, digests: null, xattrs: null,
    });
    const linkable = e.nlink >= 2 && e.type !== "directory" && e.type !== "symlink";
    if (!linkable) return fresh();
    const key = hardLinkKey(e);
    const earlier = this.links.get(key);
    if (!earlier) {
      const gone = this.forgottenLinks.get(key);
      if (gone !== undefined) {
        findings.push({ kind: "hardlink-across", message: `inode ${e.ino} was hard-linked in an earlier archive (member ${gone}); the kernel forgot it at TRAILER!!!, so this is a separate file` });
      }
      const inode = fresh();
      this.links.set(key, { inode, member: e.member });
      return inode;
    }
    const inode = earlier.inode;
    Object.assign(inode, { mode: e.mode, uid: e.uid, gid: e.gid });
    // Without O_TRUNC on a linked instance, data only replaces the content when there is some.
    if (e.type === "file" && e.size > 0) {
      inode.size = e.size;
      inode.digests = null;
    }
    return inode;
  }

  /** TRAILER!!!: the kernel frees its hard-link table. */
  trailer(): void {
    for (const [k, v] of this.links) this.forgottenLinks.set(k, v.member);
    this.links = new Map();
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
