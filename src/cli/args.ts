// The command line's grammar: each command's options, the pairs that conflict, bsdtar's
// spellings, and the parsers of sizes, counts and member lists. Usage errors are UsageError.
import { parseArgs, type ParseArgsConfig } from "node:util";

const SOURCE_OPTIONS = {
  "max-size": { type: "string" },
  "max-ratio": { type: "string" },
  "keep-metadata-files": { type: "boolean" },
  sha256: { type: "string" },
  sha512: { type: "string" },
  retries: { type: "string" },
  progress: { type: "boolean" },
  "no-progress": { type: "boolean" },
  "retry-delay": { type: "string" },
  timeout: { type: "string" },
  "min-rate": { type: "string" },
  deadline: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

const COMMON = { ...SOURCE_OPTIONS, strict: { type: "boolean" } } as const;

export const OPTIONS = {
  extract: { ...COMMON, directory: { type: "string", short: "C" }, "to-stdout": { type: "boolean", short: "O" }, split: { type: "boolean" },
    exclude: { type: "string", multiple: true }, "strip-components": { type: "string" }, member: { type: "string", short: "P", multiple: true }, "make-parents": { type: "boolean" },
    "no-same-owner": { type: "boolean" }, "same-owner": { type: "boolean" }, replace: { type: "boolean" }, resolver: { type: "string" }, "no-xattrs": { type: "boolean" },
    atomic: { type: "boolean" }, verify: { type: "string" }, "ima-cert": { type: "string", multiple: true } },
  verify: { ...SOURCE_OPTIONS, member: { type: "string", short: "P", multiple: true }, policy: { type: "string" }, "ima-cert": { type: "string", multiple: true },
    manifest: { type: "string" }, against: { type: "string" }, json: { type: "boolean" } },
  list: { ...COMMON, exclude: { type: "string", multiple: true }, member: { type: "string", short: "P", multiple: true },
    utc: { type: "boolean" }, numeric: { type: "boolean" }, verbose: { type: "boolean", short: "v" }, json: { type: "boolean" }, xattrs: { type: "boolean" } },
  diff: { "max-size": { type: "string" }, "max-ratio": { type: "string" }, "keep-metadata-files": { type: "boolean" }, retries: { type: "string" },
    "retry-delay": { type: "string" }, timeout: { type: "string" }, "min-rate": { type: "string" }, deadline: { type: "string" },
    quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, json: { type: "boolean" }, member: { type: "string", short: "P", multiple: true } },
  examine: { ...COMMON, json: { type: "boolean" }, bytes: { type: "boolean", short: "b" }, count: { type: "boolean" }, bootconfig: { type: "boolean" } },
  create: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" },
    directory: { type: "string", short: "C", multiple: true }, output: { type: "string", short: "o" }, list: { type: "string", multiple: true },
    format: { type: "string" }, xattrs: { type: "string" }, compress: { type: "string", multiple: true }, level: { type: "string", multiple: true } },
  serve: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, listen: { type: "string" }, "token-file": { type: "string" },
    redis: { type: "string" }, policy: { type: "string", multiple: true }, "ima-cert": { type: "string", multiple: true }, "max-size": { type: "string" },
    concurrency: { type: "string" }, "idle-timeout": { type: "string" }, keep: { type: "string" } },
  worker: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, redis: { type: "string" }, concurrency: { type: "string" },
    "lock-ms": { type: "string" } },
  bench: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, kernel: { type: "string" },
    vmlinuz: { type: "string" }, "no-kvm": { type: "boolean" }, busybox: { type: "string" }, runs: { type: "string" }, tools: { type: "string" },
    json: { type: "boolean" }, chart: { type: "string" } },
} satisfies Record<string, ParseArgsConfig["options"]>;

export type Command = keyof typeof OPTIONS;

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Options that contradict each other, per command (each pair is refused). */
export const CONFLICTS: Partial<Record<Command, [string, string][]>> = {
  list: [["json", "utc"], ["json", "numeric"], ["json", "verbose"], ["json", "xattrs"], ["quiet", "json"], ["quiet", "verbose"], ["quiet", "xattrs"], ["progress", "no-progress"]],
  verify: [["json", "quiet"], ["progress", "no-progress"]],
  examine: [["json", "quiet"], ["progress", "no-progress"], ["json", "count"], ["json", "bytes"], ["count", "bytes"], ["bootconfig", "json"], ["bootconfig", "count"]],
  bench: [["json", "quiet"]],
  diff: [["json", "quiet"]],
  extract: [["progress", "no-progress"], ["same-owner", "no-same-owner"], ["to-stdout", "directory"], ["to-stdout", "atomic"],
    ["to-stdout", "verify"], ["to-stdout", "strip-components"], ["to-stdout", "split"]],
};

export class UsageError extends Error {}

/** Parses a command's arguments; an option given twice (unless repeatable) or a conflict is a usage error. */
export function parseCommand(cmd: Command, args: string[]) {
  const options = OPTIONS[cmd] as Record<string, { multiple?: boolean; short?: string }>;
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS[cmd], allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option") continue;
    if (seen.has(t.name) && !options[t.name]?.multiple) throw new UsageError(`--${t.name} given more than once`);
    seen.add(t.name);
  }
  for (const [a, b] of CONFLICTS[cmd] ?? []) {
    if (seen.has(a) && seen.has(b)) throw new UsageError(`--${a} and --${b} cannot be used together`);
  }
  return { values: parsed.values as Values, positionals: parsed.positionals, tokens: (parsed.tokens ?? []) as Tokens };
}

export type Tokens = { kind: string; name?: string; value?: string }[];

/**
 * bsdtar's spellings: `-t`/`-x` with `-v` and `-f ARCHIVE` bundled or not (`cpiox -tvf IMG`,
 * `cpiox -xf IMG -C DIR`), as `list`/`extract`; null when argv does not start with one.
 */
export function fromTarSpelling(argv: string[]): string[] | null {
  const m = /^-([txvf]+)$/.exec(argv[0] ?? "");
  if (!m || !/[tx]/.test(m[1])) return null;
  const flags = m[1];
  if (flags.includes("t") && flags.includes("x")) throw new UsageError("-t and -x cannot be used together");
  const rest = argv.slice(1);
  const out = [flags.includes("t") ? "list" : "extract"];
  // As in tar, f takes the next argument: the archive (tar's default of a tape drive has no use here).
  if (!flags.includes("f")) throw new UsageError(`-${flags} needs f and an ARCHIVE (- for standard input), as in -${flags}f IMG`);
  if (!flags.endsWith("f")) throw new UsageError(`-${flags}: f must come last in a bundle, as it takes the archive`);
  if (!rest.length) throw new UsageError("-f needs an ARCHIVE");
  out.push(rest.shift()!);
  if (flags.includes("v")) {
    if (out[0] === "extract") throw new UsageError("-x with -v: cpiox extract prints a summary, not each name (use cpiox list -v)");
    out.push("-v");
  }
  return [...out, ...rest];
}

/** --member N[,M...] (repeatable): member indexes from 0, as examine numbers them. */
export function parseMembers(values: string | boolean | string[] | undefined): number[] | undefined {
  if (values === undefined || typeof values === "boolean") return undefined;
  const out: number[] = [];
  for (const text of ([] as string[]).concat(values).flatMap((v) => v.split(","))) {
    if (!/^\d+$/.test(text.trim())) throw new UsageError(`--member takes member numbers from 0 (as examine shows them), comma-separated, not ${JSON.stringify(text)}`);
    out.push(Number(text.trim()));
  }
  return out;
}

const SUFFIX: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A non-negative number with an optional K/M/G/T (binary) suffix; undefined when not given. */
export function parseSize(text: string | boolean | string[] | undefined, option: string): number | undefined {
  if (text === undefined || typeof text !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${option} takes a number with an optional K, M, G or T suffix, not ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * SUFFIX[m[2].toLowerCase()]);
}

/** A whole number from 1 to max, or undefined when not given. */
export function count(value: string | boolean | string[] | undefined, option: string, max = 1_000_000): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`${option} takes a whole number from 1 to ${max}`);
  return n;
}
