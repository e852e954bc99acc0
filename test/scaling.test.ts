// Every command is linear in its input: the time per unit (byte of names, member) at 4N is
// compared with the time at N, in the same process. Quadratic work shows as a ratio near 4,
// cubic near 16; the bound leaves room for the noise of a shared machine.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extract, list } from "../src/index.js";
import { verify } from "../src/verify/index.js";
import { archive, type HandEntry } from "./helpers/newc.js";
import { tempDir } from "./helpers/tmp.js";
import { removeTreeAt } from "../src/extract/remove-tree.js";

/**
 * Per-unit time at 4N over per-unit time at N above which a command is not linear: quadratic
 * work gives about 4, cubic 16; a loaded two-core machine moves a linear one up to about 2.5.
 */
const MAX_RATIO = 3;

/** The fastest of `runs` timings, in ms: the minimum is what the work costs without interference. */
async function fastest(work: () => Promise<unknown>, runs = 5): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

async function ratio(make: (n: number) => { input: Buffer; units: number }, n: number, run: (input: Buffer) => Promise<unknown>) {
  const small = make(n), large = make(4 * n);
  await run(small.input); // warm up: code paths compiled, libraries bound
  const perSmall = (await fastest(() => run(small.input))) / small.units;
  const perLarge = (await fastest(() => run(large.input))) / large.units;
  return perLarge / perSmall;
}

/** A chain of N nested directories: d, d/d, d/d/d, ... (names grow, so the input is ~N² bytes). */
function nested(n: number) {
  const entries: HandEntry[] = [];
  let path = "";
  for (let i = 0; i < n; i++) {
    path = path ? `${path}/d` : "d";
    entries.push({ name: path, mode: 0o40755 });
  }
  const input = archive(entries);
  return { input, units: input.length };
}

/** One file N directories deep whose parents are all missing (for --make-parents). */
function deepFile(n: number) {
  const input = archive([{ name: `${"d/".repeat(n)}f`, data: "x" }]);
  return { input, units: n };
}

/** M one-entry archives, each compressed on its own with `tool`. */
function members(tool: string[]) {
  const one = execFileSync(tool[0], tool.slice(1), { input: archive([{ name: "f", data: "x" }]) });
  return (m: number) => ({ input: Buffer.concat(Array(m).fill(one)), units: m });
}

describe("time is linear in the input", () => {
  it.each([
    ["list", (b: Buffer) => list(b)],
    ["verify", (b: Buffer) => verify(b)],
    ["extract", async (b: Buffer) => {
      const dir = tempDir();
      await extract(b, { cwd: join(dir, "root") });
      removeTreeAt(join(dir, "root"));
    }],
  ] as const)("%s of nested directories (time per byte at 4N vs N)", async (_name, run) => {
    expect(await ratio(nested, 300, run)).toBeLessThan(MAX_RATIO);
  });

  it.each(["userspace", "openat2"] as const)("extract --make-parents --resolver %s of a file under missing parents (time per level)", async (resolver) => {
    const run = async (b: Buffer) => {
      const dir = tempDir();
      await extract(b, { cwd: join(dir, "root"), makeParents: true, resolver });
      removeTreeAt(join(dir, "root"));
    };
    expect(await ratio(deepFile, 200, run)).toBeLessThan(MAX_RATIO);
  });

  it.each([
    ["zstd", ["zstd", "-q", "-c"], 500],
    ["bzip2", ["bzip2", "-c"], 500],
    ["lzo", ["lzop", "-c"], 500],
    ["xz", ["xz", "-c", "--check=crc32"], 150],
    ["gzip", ["gzip", "-c"], 250],
  ] as const)("list and verify of many small %s members (time per member)", async (_name, tool, n) => {
    const make = members([...tool]);
    expect(await ratio(make, n, (b) => list(b))).toBeLessThan(MAX_RATIO);
    expect(await ratio(make, n, (b) => verify(b))).toBeLessThan(MAX_RATIO);
  });
});
