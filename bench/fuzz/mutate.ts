// Mutations of seed archives, each aimed at a place where parsers go wrong: header fields (hex
// with 0x, huge, zero, off by a little), truncation at every kind of boundary, member splicing,
// padding, compressed bytes, random xattr records, path tricks, and decompression bombs.
import { gzipSync } from "node:zlib";
import { archive, entryBytes, xattrEntry, type HandEntry } from "../../test/helpers/newc.js";
import { compress, COMPRESSORS, type Corpus } from "./corpus.js";
import type { Random } from "./random.js";

/** Offsets of every header magic ("07070x") in a plain archive. */
function headerOffsets(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = b.indexOf("07070"); i >= 0; i = b.indexOf("07070", i + 1)) out.push(i);
  return out;
}

const FIELD_VALUES = ["FFFFFFFF", "00000000", "0x000010", "7FFFFFFF", "00001000", "0000000G", "-0000001", "00100000", "0000000F"];

function mutateField(r: Random, b: Buffer): Buffer {
  const heads = headerOffsets(b);
  if (!heads.length) return flipBytes(r, b);
  const at = r.pick(heads);
  const out = Buffer.from(b);
  const field = r.int(13);
  const pos = at + 6 + field * 8;
  if (pos + 8 > out.length) return out;
  let value: string;
  if (r.chance(0.5)) value = r.pick(FIELD_VALUES);
  else {
    const old = parseInt(out.toString("latin1", pos, pos + 8), 16) || 0;
    value = Math.max(0, old + r.int(17) - 8).toString(16).padStart(8, "0").slice(-8);
  }
  out.write(r.chance(0.2) ? value.toLowerCase() : value, pos, "latin1");
  return out;
}

function flipBytes(r: Random, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const n = 1 + r.int(8);
  for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] = r.chance(0.5) ? r.int(256) : out[r.int(out.length)] ^ (1 << r.int(8));
  return out;
}

function truncate(r: Random, b: Buffer): Buffer {
  const heads = headerOffsets(b);
  const cuts = [...heads, ...heads.map((h) => h + 110), ...heads.map((h) => h + 6), b.length - 1, r.int(b.length + 1)];
  return b.subarray(0, Math.max(0, Math.min(b.length, r.pick(cuts) + r.int(5) - 2)));
}

function splice(r: Random, a: Buffer, c: Buffer): Buffer {
  const cutA = r.int(a.length + 1), cutC = r.int(c.length + 1);
  const pad = r.chance(0.5) ? Buffer.alloc(r.pick([0, 1, 3, 4, 512])) : Buffer.alloc(0);
  return r.chance(0.5) ? Buffer.concat([a, pad, c]) : Buffer.concat([a.subarray(0, cutA), pad, c.subarray(cutC)]);
}

function insertOrDelete(r: Random, b: Buffer): Buffer {
  const at = r.int(b.length + 1);
  if (r.chance(0.5)) return Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(16)), b.subarray(at)]);
  return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(16)))]);
}

const NAME_PARTS = ["..", ".", "", "a", "bin", "etc", "x".repeat(255), "\n", "\\", "\u00e9", "\xff", "TRAILER!!!", "METADATA!!!", ".xattr-list", "init"];

function trickyName(r: Random): Buffer {
  const parts = Array.from({ length: 1 + r.int(r.chance(0.1) ? 200 : 6) }, () => r.pick(NAME_PARTS));
  let name = (r.chance(0.2) ? "/" : "") + parts.join("/") + (r.chance(0.1) ? "/" : "");
  if (r.chance(0.05)) name = "d/".repeat(2000 + r.int(100));
  const bytes = Buffer.from(name, "latin1");
  if (r.chance(0.05)) bytes[r.int(bytes.length || 1)] = 0;
  return bytes;
}

const XATTR_NAMES = ["security.ima", "security.selinux", "security.evm", "user.a", "trusted.x", "system.posix_acl_access", "bogus", "user.", "security." + "n".repeat(300)];

function randomXattrs(r: Random): [string, Buffer][] {
  return Array.from({ length: r.int(5) }, () => [r.pick(XATTR_NAMES), r.bytes(r.chance(0.05) ? 70000 : r.int(40))]);
}

/** A fresh archive of random entries with tricky names, types, links and xattrs in any encoding. */
function randomArchive(r: Random): Buffer {
  const entries: HandEntry[] = [];
  const n = 1 + r.int(12);
  for (let i = 0; i < n; i++) {
    const type = r.pick([0o100000, 0o40000, 0o120000, 0o20000, 0o60000, 0o10000, 0o140000, 0o170000, 0]);
    const e: HandEntry = { name: trickyName(r), mode: type | r.pick([0o755, 0o644, 0o4755, 0o777, 0o1777, 0]), ino: 1 + r.int(4), nlink: 1 + r.int(3) };
    if (type === 0o120000) e.data = r.chance(0.5) ? trickyName(r) : r.pick(["/", "..", "../../..", "/etc", "loop"]);
    else if (type === 0o100000 || r.chance(0.1)) e.data = r.bytes(r.int(r.chance(0.1) ? 70000 : 64));
    const encoding = r.int(4);
    if (encoding === 1) {
      e.magic = "070703";
      e.xattrs = r.chance(0.8) ? randomXattrs(r) : r.bytes(r.int(40));
    }
    entries.push(e);
    if (encoding === 2) {
      const records = randomXattrs(r).map(([name, value]) => {
        const nb = Buffer.from(name, "latin1");
        const size = 10 + nb.length + 1 + value.length;
        return Buffer.concat([Buffer.from((r.chance(0.9) ? size : r.int(9999)).toString(16).padStart(8, "0")), Buffer.from([r.chance(0.9) ? 1 : 2, r.chance(0.9) ? 1 : 7]), nb, Buffer.from([0]), value]);
      });
      entries.push({ name: "METADATA!!!", data: Buffer.concat(records) });
    }
    if (encoding === 3 && r.chance(0.3)) {
      const body = Buffer.concat(randomXattrs(r).map(([name, value]) => xattrEntry(name, value)));
      const path = Buffer.concat([Buffer.from("/"), trickyName(r), Buffer.from([0])]);
      entries.push({ name: ".xattr-list", data: Buffer.concat([Buffer.from((10 + path.length + body.length).toString(16).padStart(10, "0")), path, body]) });
    }
    if (r.chance(0.1)) entries.push({ name: "TRAILER!!!", mode: 0 });
  }
  return archive(entries);
}

/** Zeros that compress to almost nothing: the bomb guard (the oracle's maxSize) must stop them early. */
export const BOMB_SIZE = 64 << 20;
let bomb: Buffer | null = null;
function zipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.concat([entryBytes({ name: "zeros", filesize: BOMB_SIZE }), Buffer.alloc(BOMB_SIZE)]), { level: 9 });
  return bomb;
}

export interface Mutant {
  bytes: Buffer;
  /** The mutations applied, for the failure report. */
  how: string[];
}

/** One input: a seed (or a fresh random archive), mutated one to three times, maybe compressed. */
export function mutant(r: Random, corpus: Corpus, slowCompressors: boolean): Mutant {
  const how: string[] = [];
  let b: Buffer;
  const source = r.int(10);
  if (source < 4) {
    b = r.pick(corpus.plain);
    how.push("seed");
  } else if (source < 7) {
    b = randomArchive(r);
    how.push("random-archive");
  } else if (source < 9 && corpus.compressed.length) {
    const c = r.pick(corpus.compressed);
    b = c.bytes;
    how.push(`seed-${c.kind}`);
  } else {
    b = r.chance(0.1) ? zipBomb() : randomArchive(r);
    how.push(b === bomb ? "bomb" : "random-archive");
  }
  const rounds = 1 + r.int(3);
  for (let i = 0; i < rounds; i++) {
    const op = r.int(7);
    if (op === 0) { b = mutateField(r, b); how.push("field"); }
    else if (op === 1) { b = flipBytes(r, b); how.push("flip"); }
    else if (op === 2) { b = truncate(r, b); how.push("truncate"); }
    else if (op === 3) { b = splice(r, b, r.chance(0.5) ? r.pick(corpus.plain) : randomArchive(r)); how.push("splice"); }
    else if (op === 4) { b = insertOrDelete(r, b); how.push("insert-delete"); }
    else if (op === 5) {
      // gzip runs in-process; the other six spawn their tool, so they take a share of the inputs.
      const kind = slowCompressors && r.chance(0.3) ? r.pick(Object.keys(COMPRESSORS)) : "gzip";
      const z = compress(kind, b);
      if (z) { b = z; how.push(`compress-${kind}`); }
    } else { how.push("unchanged"); }
  }
  return { bytes: b, how };
}
