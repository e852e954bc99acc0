// A seeded campaign: inputs from the mutator, each judged by the oracle; failures are written
// out with their seed, index and mutations so each becomes a regression test.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCorpus } from "./corpus.js";
import { mutant } from "./mutate.js";
import { judge, Sandbox } from "./oracle.js";
import { Random } from "./random.js";

export interface CampaignOptions {
  seed: number;
  /** Stop after this many inputs (default: no limit). */
  inputs?: number;
  /** Stop after this many seconds (default: no limit). */
  seconds?: number;
  /** Where failing inputs are written (default: none written). */
  failuresDir?: string;
  /** Also use the external compressors for mutated archives (slower per input). */
  slowCompressors?: boolean;
  onProgress?: (s: CampaignStats) => void;
}

export interface CampaignStats {
  seed: number;
  inputs: number;
  failures: number;
  seconds: number;
  /** How often each error code ended a command (what the inputs reached). */
  codes: Record<string, number>;
  missingTools: string[];
  firstFailures: { index: number; how: string[]; detail: string; file: string | null }[];
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignStats> {
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const sandbox = new Sandbox(base);
  const corpus = buildCorpus();
  const r = new Random(o.seed);
  const stats: CampaignStats = { seed: o.seed, inputs: 0, failures: 0, seconds: 0, codes: {}, missingTools: corpus.missingTools, firstFailures: [] };
  const t0 = Date.now();
  let lastReport = t0;
  if (o.failuresDir) mkdirSync(o.failuresDir, { recursive: true });
  for (;;) {
    if (o.inputs !== undefined && stats.inputs >= o.inputs) break;
    if (o.seconds !== undefined && Date.now() - t0 >= o.seconds * 1000) break;
    const m = mutant(r, corpus, o.slowCompressors ?? true);
    // Extraction alternates between the two resolvers: each sees half the inputs, at half the cost.
    const verdict = await judge(m.bytes, sandbox, [stats.inputs % 2 ? "userspace" : "openat2"]);
    stats.inputs++;
    for (const seen of verdict.codes) {
      const code = seen.slice(seen.indexOf(":") + 1); // "command:CODE"
      stats.codes[code] = (stats.codes[code] ?? 0) + 1;
    }
    if (!verdict.ok) {
      stats.failures++;
      let file: string | null = null;
      if (o.failuresDir) {
        file = join(o.failuresDir, `${createHash("sha256").update(m.bytes).digest("hex").slice(0, 16)}.bin`);
        writeFileSync(file, m.bytes);
        writeFileSync(`${file}.json`, JSON.stringify({ seed: o.seed, index: stats.inputs - 1, how: m.how, detail: verdict.detail }, null, 2));
      }
      if (stats.firstFailures.length < 20) stats.firstFailures.push({ index: stats.inputs - 1, how: m.how, detail: verdict.detail, file });
    }
    if (o.onProgress && Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      stats.seconds = (Date.now() - t0) / 1000;
      o.onProgress(stats);
    }
  }
  stats.seconds = (Date.now() - t0) / 1000;
  sandbox.clearRoot();
  return stats;
}
