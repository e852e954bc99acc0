// `npm run bench:core`: the WebAssembly core measured on its own with benny, against plain
// TypeScript doing the same work on the same bytes in this process:
// - newc headers parsed per second: the core through its driver (StreamParser, what every
//   command runs, building the full Entry record) against a TypeScript parse of the 13 hex
//   fields and the name;
// - METADATA!!! xattr records decoded per second: the core's decoder against a TypeScript one.
// Both sides produce the same values (checked before timing).
import b from "benny";
import { StreamParser } from "../src/core/stream-parser.js";
import { MODE_TOP } from "../src/core/abi.js";
import { instantiateCore } from "../src/core/wasm.js";
import { MetadataFile } from "../src/core/metadata-file.js";
import { encodeArchive, type NewEntry } from "./newc-writer.js";
import { metadataRecords } from "../src/create/encode.js";
import type { Entry, Xattr } from "../src/entries.js";

const HEADERS = 2000;
const entries: NewEntry[] = Array.from({ length: HEADERS }, (_, i) => ({
  name: `usr/lib/modules/6.1.0/kernel/drivers/d${i % 97}/module-${i}.ko`, type: "file", perm: 0o644, ino: i + 1, mtime: 1700000000 + i,
}));
const image = encodeArchive(entries);

/** The header fields and name of each newc entry, as TypeScript reads them (no bodies here). */
function parseInTypeScript(bytes: Buffer): { name: Buffer; fields: number[] }[] {
  const out: { name: Buffer; fields: number[] }[] = [];
  let at = 0;
  for (;;) {
    if (bytes.toString("latin1", at, at + 6) !== "070701") throw new Error(`bad magic at ${at}`);
    const fields: number[] = [];
    for (let f = 0; f < 13; f++) {
      const v = Number.parseInt(bytes.toString("latin1", at + 6 + f * 8, at + 14 + f * 8), 16);
      if (Number.isNaN(v)) throw new Error("bad hex");
      fields.push(v);
    }
    const namesize = fields[11];
    const name = bytes.subarray(at + 110, at + 110 + namesize - 1);
    at += (110 + namesize + 3) & ~3;
    at += (fields[6] + 3) & ~3;
    if (name.toString("latin1") === "TRAILER!!!") return out;
    out.push({ name: Buffer.from(name), fields });
  }
}

// One parser (one core instance) for every run, as a command has one per input.
let parsed: Entry[] = [];
const parser = new StreamParser({ entry: (e) => { if (e.type !== "trailer") parsed.push(e); return null; }, warn: () => undefined });

function parseWithCore(bytes: Buffer): Entry[] {
  parsed = [];
  parser.begin(0, MODE_TOP, 0);
  parser.push(bytes);
  return parsed;
}

const xattrs: Xattr[] = Array.from({ length: 64 }, (_, i) => ({
  name: Buffer.from(i % 2 ? "security.ima" : "security.selinux"),
  value: Buffer.alloc(i % 2 ? 264 : 32, i),
}));
const records = metadataRecords(xattrs);
const metaEntry = { name: Buffer.from("METADATA!!!"), path: "METADATA!!!", size: records.length, offset: 0, member: 0 } as Entry;
const core = instantiateCore();

function decodeWithCore(): Xattr[] {
  const file = new MetadataFile(metaEntry, 0);
  file.write(records);
  return file.decode(core, () => undefined);
}

/** METADATA!!! records as TypeScript reads them: 8 hex size, version, type, name NUL value. */
function decodeInTypeScript(body: Buffer): Xattr[] {
  const out: Xattr[] = [];
  for (let at = 0; at < body.length;) {
    const size = Number.parseInt(body.toString("latin1", at, at + 8), 16);
    if (!(size >= 10) || at + size > body.length || body[at + 8] !== 1) throw new Error("malformed record");
    const nul = body.indexOf(0, at + 10);
    if (nul < 0 || nul >= at + size) throw new Error("no NUL");
    if (body[at + 9] === 1) out.push({ name: Buffer.from(body.subarray(at + 10, nul)), value: Buffer.from(body.subarray(nul + 1, at + size)) });
    at += size;
  }
  return out;
}

// Same answers first: a benchmark of two different computations would mean nothing.
const fromCore = parseWithCore(image);
const fromTs = parseInTypeScript(image);
if (fromCore.length !== HEADERS || fromTs.length !== HEADERS) throw new Error("entry counts differ");
fromCore.forEach((e, i) => {
  const t = fromTs[i];
  if (!e.name.equals(t.name) || e.ino !== t.fields[0] || e.mode !== t.fields[1] || e.mtime !== t.fields[5]) throw new Error(`entry ${i} differs`);
});
const xa = decodeWithCore(), xb = decodeInTypeScript(records);
if (xa.length !== xattrs.length || xa.some((x, i) => !x.name.equals(xb[i].name) || !x.value.equals(xb[i].value))) throw new Error("xattrs differ");

const perSecond = new Map<string, number>();
await b.suite(
  `newc headers (${HEADERS} per operation)`,
  b.add("wasm core (StreamParser)", () => { parseWithCore(image); }),
  b.add("TypeScript parse", () => { parseInTypeScript(image); }),
  b.cycle((result) => { perSecond.set(result.name, result.ops * HEADERS); }),
);
await b.suite(
  `METADATA!!! xattr records (${xattrs.length} per operation)`,
  b.add("wasm core (metadataDecode)", () => { decodeWithCore(); }),
  b.add("TypeScript decode", () => { decodeInTypeScript(records); }),
  b.cycle((result) => { perSecond.set(result.name, result.ops * xattrs.length); }),
);

const rate = (name: string) => perSecond.get(name)!;
console.log("\n| work | wasm core per second | TypeScript per second | core ÷ TypeScript |\n|---|---:|---:|---:|");
console.log(`| newc headers | ${(rate("wasm core (StreamParser)") / 1e6).toFixed(2)} M | ${(rate("TypeScript parse") / 1e6).toFixed(2)} M | ${(rate("wasm core (StreamParser)") / rate("TypeScript parse")).toFixed(2)}x |`);
console.log(`| METADATA!!! xattr records | ${(rate("wasm core (metadataDecode)") / 1e6).toFixed(2)} M | ${(rate("TypeScript decode") / 1e6).toFixed(2)} M | ${(rate("wasm core (metadataDecode)") / rate("TypeScript decode")).toFixed(2)}x |`);
