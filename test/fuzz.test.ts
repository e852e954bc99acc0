// The fuzzing campaign's short, seeded pass (the long ones are `npm run fuzz`): mutated archives
// through list, examine, verify and extract with decoys outside the root; every outcome must be
// success or a coded error, within its time budget, with nothing outside the root changed.
// Inputs that once failed are kept in test/fixtures/fuzz/ and judged again here.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCampaign } from "../bench/fuzz/campaign.js";
import { judge, Sandbox } from "../bench/fuzz/oracle.js";
import { tempDir } from "./helpers/tmp.js";

const REGRESSIONS = join(import.meta.dirname, "fixtures/fuzz");

describe("fuzzing", () => {
  it("a seeded pass of 1500 inputs: no failure", { timeout: 180_000 }, async () => {
    const stats = await runCampaign({ seed: 20261202, inputs: 1500 });
    expect(stats.firstFailures).toEqual([]);
    expect(stats.missingTools).toEqual([]);
    // The inputs reach deep: the readers' errors of many kinds, not one rejection at the door.
    expect(Object.keys(stats.codes).length).toBeGreaterThanOrEqual(8);
  });

  const kept = readdirSync(REGRESSIONS).filter((n) => n !== "README.md");
  it("keeps its regression inputs", () => expect(kept.length).toBeGreaterThanOrEqual(4));

  it.each(kept)("regression input %s", { timeout: 60_000 }, async (name) => {
    const verdict = await judge(readFileSync(join(REGRESSIONS, name)), new Sandbox(tempDir()));
    expect(verdict.detail).not.toMatch(/not a coded error|changed something outside|took|resident memory|verify threw/);
    expect(verdict.ok).toBe(true);
  });
});
