// One verification job, wherever it runs (in the serve process or in a `cpiox worker` on another
// machine): everything it needs travels with it (the policy as JSON, the IMA certificates' bytes),
// so workers need no configuration of their own but the Redis URL.
import { verify } from "../verify/index.js";
import type { Policy } from "../verify/policy.js";
import type { VerifyReport } from "../verify/report.js";

export interface VerifyJobData {
  url: string;
  sha256?: string;
  /** The configured policy's name, as the client asked for it. */
  policyName: string;
  policy: Policy;
  /** Certificates or public keys, base64 of their files. */
  imaCerts: { name: string; base64: string }[];
}

export interface VerifyJobResult {
  report: VerifyReport;
  seconds: number;
}

/** A job whose input could not be read (the URL failed): tried again, then failed with this reason. */
export class UnreadableInput extends Error {}

/** Only http(s) URLs: a request never names a path on the machine that runs the job. */
export function checkJobUrl(url: unknown): string {
  if (typeof url !== "string" || url.length > 8192) throw new TypeError("\"url\" must be a string of at most 8192 characters");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`"url" is not a URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new TypeError(`"url" must be http:// or https://, not ${parsed.protocol}`);
  return parsed.href;
}

export async function runVerifyJob(data: VerifyJobData): Promise<VerifyJobResult> {
  const started = process.hrtime.bigint();
  const { report } = await verify(checkJobUrl(data.url), {
    policy: data.policy, sha256: data.sha256,
    imaCerts: data.imaCerts.map((c) => ({ name: c.name, bytes: Buffer.from(c.base64, "base64") })),
  });
  if (report.result === "unreadable") throw new UnreadableInput(report.error?.message ?? "the URL could not be read");
  return { report, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
