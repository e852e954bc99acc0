// members/splitter.ts on its own: where members start and end, what each holds, padding between
// them, and the size guard, read from the events readArchive raises.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readArchive, type MemberInfo } from "../../src/members/splitter.js";
import { archive } from "../helpers/newc.js";
import { CHUNK_SIZES, chunked } from "../helpers/feed.js";

async function members(bytes: Buffer, chunk: number, maxSize?: number) {
  const started: number[] = [];
  const ended: MemberInfo[] = [];
  const names: string[] = [];
  let drains = 0;
  const summary = await readArchive(chunked(bytes, Math.min(chunk, bytes.length)), {
    warn: (w) => { throw new Error(`unexpected warning ${w.code}`); },
    entry: (e) => { if (e.type !== "trailer") names.push(`${e.member}:${e.path}`); return null; },
    memberStart: (m) => started.push(m.index),
    memberEnd: (m) => ended.push({ ...m }),
    drain: () => { drains++; return undefined; },
  }, { maxSize });
  return { summary, started, ended, names, drains };
}

const early = archive([{ name: "kernel/x86/microcode/GenuineIntel.bin", data: "ucode" }]);
const main = archive([{ name: "init", mode: 0o100755, data: "#!/bin/sh\n" }, { name: "etc", mode: 0o40755 }]);
const late = archive([{ name: "etc/extra", data: "x" }]);

describe.each(CHUNK_SIZES)("readArchive in chunks of %s", (chunk) => {
  it("a plain member, NUL padding, a gzip member and a plain member: offsets, kinds and counts", async () => {
    const gz = gzipSync(main);
    const padded = Buffer.concat([early, Buffer.alloc(8)]);
    // The member after gzip starts 4-aligned in the whole input, as the kernel requires.
    const afterGz = Buffer.alloc((4 - ((padded.length + gz.length) % 4)) % 4);
    const bytes = Buffer.concat([padded, gz, afterGz, late]);
    const { summary, started, ended, names, drains } = await members(bytes, chunk);
    expect(started).toEqual([0, 1, 2]);
    expect(ended.map((m) => [m.kind, m.start, m.end, m.entries])).toEqual([
      ["cpio", 0, early.length, 1],
      ["gzip", padded.length, padded.length + gz.length, 2],
      ["cpio", padded.length + gz.length + afterGz.length, bytes.length, 1],
    ]);
    expect(ended[1].uncompressedSize).toBe(main.length);
    expect(ended[1].compressedSize).toBe(gz.length);
    expect(summary.size).toBe(bytes.length);
    expect(summary.members.map((m) => m.index)).toEqual([0, 1, 2]);
    expect(names).toEqual(["0:kernel/x86/microcode/GenuineIntel.bin", "1:init", "1:etc", "2:etc/extra"]);
    expect(drains).toBeGreaterThan(0);
  });
});

describe("the size guard", () => {
  it("stops at --max-size with CPIOX_TOO_LARGE naming the member being read", async () => {
    const bytes = Buffer.concat([early, gzipSync(main)]);
    await expect(members(bytes, Infinity, early.length + 10)).rejects.toMatchObject({ code: "CPIOX_TOO_LARGE", member: 1 });
    await expect(members(bytes, Infinity, early.length + main.length)).resolves.toBeTruthy();
  });
});
