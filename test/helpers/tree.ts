// Snapshots a directory tree field by field, for comparing extractions.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export interface NodeInfo {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  target?: string;
  sha?: string;
  rdev?: number;
  /** The first path (sorted) of the node's hard-link group. */
  linkGroup?: string;
  nlink: number;
}

const TYPES: Record<number, string> = {
  0o100000: "file", 0o040000: "dir", 0o120000: "symlink", 0o020000: "char", 0o060000: "block",
  0o010000: "fifo", 0o140000: "socket",
};

export function snapshot(root: string): Record<string, NodeInfo> {
  const out: Record<string, NodeInfo> = {};
  const byIno = new Map<number, string>();
  const walk = (rel: string) => {
    const names = readdirSync(join(root, rel), { encoding: "buffer" }).map((n) => n.toString("latin1")).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = Buffer.from(join(root, r), "latin1");
      const st = lstatSync(abs as unknown as string, { bigint: false });
      const type = TYPES[st.mode & 0o170000] ?? "other";
      const info: NodeInfo = {
        type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === "dir" ? 0 : st.size,
        mtime: Math.floor(st.mtimeMs / 1000), nlink: type === "dir" ? 0 : st.nlink,
      };
      if (type === "symlink") info.target = readlinkSync(abs as unknown as string, { encoding: "buffer" }).toString("latin1");
      if (type === "file") info.sha = createHash("sha256").update(readFileSync(abs as unknown as string)).digest("hex");
      if (type === "char" || type === "block") info.rdev = st.rdev;
      if (type !== "dir" && st.nlink > 1) {
        if (!byIno.has(st.ino)) byIno.set(st.ino, r);
        info.linkGroup = byIno.get(st.ino);
      }
      if (type === "symlink") info.mode = 0;
      out[r] = info;
      if (type === "dir") walk(r);
    }
  };
  walk("");
  return out;
}

/** Drops fields the comparison should not look at (e.g. mtimes of directories and symlinks). */
export function without(snap: Record<string, NodeInfo>, drop: (path: string, n: NodeInfo) => (keyof NodeInfo)[]) {
  const out: Record<string, Partial<NodeInfo>> = {};
  for (const [p, n] of Object.entries(snap)) {
    const copy: Partial<NodeInfo> = { ...n };
    for (const k of drop(p, n)) delete copy[k];
    out[p] = copy;
  }
  return out;
}

const MANIFEST_TYPES: Record<string, string> = { dir: "directory" };

/**
 * An extracted tree in the rows of verify's manifest (path, type, mode, uid, gid, size, content),
 * so what extract built can be compared with the tree verify modelled.
 */
export function manifestOfTree(root: string): Map<string, { type: string; mode: string; uid: string; gid: string; size: string; content: string }> {
  const rows = new Map<string, { type: string; mode: string; uid: string; gid: string; size: string; content: string }>();
  const empty = createHash("sha256").digest("hex");
  for (const [path, n] of Object.entries(snapshot(root))) {
    const st = lstatSync(join(root, path));
    let content = "-";
    if (n.type === "file") content = n.sha ?? empty;
    else if (n.type === "symlink") content = `->${n.target}`;
    else if (n.type === "char" || n.type === "block") {
      const rdev = st.rdev;
      content = `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | (Math.floor(rdev / 4096) & ~0xff)}`;
    }
    rows.set(path, {
      type: MANIFEST_TYPES[n.type] ?? n.type, mode: ((n.type === "symlink" ? st.mode : n.mode) & 0o7777).toString(8).padStart(4, "0"),
      uid: String(n.uid), gid: String(n.gid), size: String(n.type === "file" ? n.size : 0), content,
    });
  }
  return rows;
}
