// `npm run fuzz`: a seeded mutation campaign against list, examine, verify and extract.
//   npm run fuzz -- [--seed N] [--inputs N] [--seconds N] [--failures DIR] [--fast]
// Prints progress every 10 s and a JSON summary at the end; exits 1 if any input failed.
import { parseArgs } from "node:util";
import { runCampaign } from "./fuzz/campaign.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" }, inputs: { type: "string" }, seconds: { type: "string" },
    failures: { type: "string" }, fast: { type: "boolean" },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const stats = await runCampaign({
  seed,
  inputs: values.inputs !== undefined ? Number(values.inputs) : undefined,
  seconds: values.seconds !== undefined ? Number(values.seconds) : values.inputs === undefined ? 60 : undefined,
  failuresDir: values.failures ?? "fuzz-failures",
  slowCompressors: !values.fast,
  onProgress: (s) => process.stderr.write(`seed ${s.seed}: ${s.inputs} inputs, ${s.failures} failures, ${Math.round(s.seconds)} s, ${Math.round(s.inputs / s.seconds)}/s\n`),
});
process.stdout.write(`${JSON.stringify({ ...stats, perSecond: Math.round(stats.inputs / stats.seconds) }, null, 2)}\n`);
process.exitCode = stats.failures ? 1 : 0;
