// gen_init_cpio's list format (usr/gen_init_cpio.c), plus the newcx patch's `xattr` lines:
//   file <name> <location> <mode> <uid> <gid> [<hard links>...]
//   dir <name> <mode> <uid> <gid>
//   nod <name> <mode> <uid> <gid> <b|c> <maj> <min>
//   slink <name> <target> <mode> <uid> <gid>
//   pipe <name> <mode> <uid> <gid>
//   sock <name> <mode> <uid> <gid>
//   xattr <name>=0x<hex value>          (applies to the next non-xattr line)
//   #cpio[: KIND [-LEVEL]]              (3cpio's section marker: the lines after it are a new member)
// Leading "/" is stripped from names; ${VAR} in a file location is taken from the environment.
import { statSync } from "node:fs";
import { CpioxError } from "../errors.js";
import type { Xattr } from "../entries.js";
import type { ArchiveItem } from "./tree.js";
import type { CreateCompression } from "./compress/index.js";

export interface ListSection {
  /** The section's lines, with every other line blanked so that errors keep their line numbers. */
  text: string;
  compress?: CreateCompression;
  level?: number;
}

/**
 * Splits a list file at its `#cpio` markers (`#cpio`, `#cpio: zstd`, `#cpio: xz -9`), as 3cpio's
 * manifest does; without markers it is one section. Lines before the first marker make a
 * section only if they hold an entry.
 */
export function listFileSections(text: string): ListSection[] {
  const lines = text.split("\n");
  const sections: { from: number; to: number; compress?: CreateCompression; level?: number }[] = [{ from: 0, to: lines.length }];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!/^#cpio(?!\w)/.test(line)) return;
    const m = /^#cpio(?::\s*(\w+)(?:\s+-(\d+))?)?\s*$/.exec(line);
    if (!m) throw new CpioxError("CPIOX_BAD_ARGUMENT", `list file line ${index + 1}: a section marker is "#cpio" or "#cpio: KIND [-LEVEL]": ${JSON.stringify(raw)}`);
    sections[sections.length - 1].to = index;
    sections.push({ from: index + 1, to: lines.length, compress: m[1] as CreateCompression | undefined, level: m[2] === undefined ? undefined : Number(m[2]) });
  });
  const holdsEntry = (from: number, to: number) => lines.slice(from, to).some((l) => l.trim() && !l.trim().startsWith("#"));
  return sections
    .filter((s, i) => i > 0 || sections.length === 1 || holdsEntry(s.from, s.to))
    .map((s) => ({ text: lines.map((l, i) => (i >= s.from && i < s.to ? l : "")).join("\n"), compress: s.compress, level: s.level }));
}

const TYPES = { file: 0o100000, dir: 0o040000, nod: 0, slink: 0o120000, pipe: 0o010000, sock: 0o140000 } as const;
const ARGS: Record<keyof typeof TYPES, number[]> = {
  file: [5, Infinity], dir: [4, 4], nod: [7, 7], slink: [5, 5], pipe: [4, 4], sock: [4, 4],
};

export function parseListFile(text: string, now: number): ArchiveItem[] {
  const items: ArchiveItem[] = [];
  let pending: Xattr[] = [];
  let ino = 1;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const bad = (why: string) => new CpioxError("CPIOX_BAD_ARGUMENT", `list file line ${index + 1}: ${why}: ${JSON.stringify(raw)}`);
    const [kind, ...args] = line.split(/\s+/);
    if (kind === "xattr") {
      const m = /^([^=]+)=0x((?:[0-9a-fA-F]{2})*)$/.exec(args.join(" "));
      if (!m) throw bad("xattr needs <name>=0x<even number of hex digits>");
      pending.push({ name: Buffer.from(m[1]), value: Buffer.from(m[2], "hex") });
      return;
    }
    if (!(kind in TYPES)) throw bad(`unknown type ${JSON.stringify(kind)}`);
    const type = kind as keyof typeof TYPES;
    const [min, max] = ARGS[type];
    if (args.length < min || args.length > max) throw bad(`${type} takes ${min === max ? min : `at least ${min}`} fields`);
    const name = (n: string) => Buffer.from(n.replace(/^\/+/, ""));
    const num = (s: string, base: 8 | 10, what: string) => {
      if (!(base === 8 ? /^[0-7]+$/ : /^\d+$/).test(s)) throw bad(`${what} ${JSON.stringify(s)} is not a base-${base} number`);
      return parseInt(s, base);
    };
    const at = type === "file" || type === "slink" ? 2 : 1; // index of <mode>
    const perm = num(args[at], 8, "mode") & 0o7777;
    const uid = num(args[at + 1], 10, "uid"), gid = num(args[at + 2], 10, "gid");
    const base = { uid, gid, mtime: now, rdevMajor: 0, rdevMinor: 0, dataPath: null, size: 0, linkTarget: null,
      xattrs: pending, ino: ino++, nlink: type === "dir" ? 2 : 1, carriesData: true };
    pending = [];
    if (type === "file") {
      const location = args[1].replace(/\$\{(\w+)\}/g, (_, v: string) => process.env[v] ?? "");
      let st;
      try {
        st = statSync(location);
      } catch (e) {
        throw bad(`cannot read ${location} (${(e as Error).message})`);
      }
      const names = [args[0], ...args.slice(5)];
      // Hard links: every name shares the inode; data and xattrs on the last, as gen_init_cpio writes.
      names.forEach((n, i) => {
        const last = i === names.length - 1;
        items.push({ ...base, name: name(n), mode: TYPES.file | perm, mtime: Math.floor(st.mtimeMs / 1000),
          dataPath: Buffer.from(location), size: st.size, nlink: names.length, carriesData: last, xattrs: last ? base.xattrs : [] });
      });
      return;
    }
    if (type === "nod") {
      if (args[4] !== "b" && args[4] !== "c") throw bad("device type must be b or c");
      items.push({ ...base, name: name(args[0]), mode: (args[4] === "b" ? 0o060000 : 0o020000) | perm,
        rdevMajor: num(args[5], 10, "major"), rdevMinor: num(args[6], 10, "minor") });
      return;
    }
    if (type === "slink") {
      items.push({ ...base, name: name(args[0]), mode: TYPES.slink | perm, linkTarget: Buffer.from(args[1]) });
      return;
    }
    items.push({ ...base, name: name(args[0]), mode: TYPES[type] | perm });
  });
  if (pending.length) throw new CpioxError("CPIOX_BAD_ARGUMENT", "list file ends with xattr lines that apply to nothing");
  return items;
}
