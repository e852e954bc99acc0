// The `cpiox` command, thin over the library API. Exit status: 0 clean, 1 warnings, 2 error
// (verify: 0 pass, 1 policy violated, 2 malformed or unreadable).
import { readFileSync } from "node:fs";
import { CpioxError, describeWhere, fsError, type Warning } from "./errors.js";
import { installSignalCleanup } from "./process/cleanup.js";
import { ProgressLine } from "./input/progress.js";
import { fromTarSpelling, OPTIONS, parseCommand, parseMembers, parseSize, UsageError, type Command, type Tokens, type Values } from "./cli/args.js";
import { USAGE } from "./cli/usage.js";
import { runCreate } from "./commands/create.js";
import { runDiff, runExamine, runExtract, runList, runVerify } from "./commands/read.js";
import { runServe, runWorkerCommand } from "./commands/service.js";
import { runBench } from "./commands/bench.js";

export { fromTarSpelling, parseSize } from "./cli/args.js";
export { OWNER_FILE_MAX } from "./commands/read.js";

/** Exit status when standard output is closed under us (as for a process killed by SIGPIPE). */
export const EXIT_PIPE_CLOSED = 141;

/** A warning as printed: "cpiox: warning CPIOX_...: message (where)". */
function formatWarning(w: Warning): string {
  return `cpiox: warning ${w.code}: ${w.message}${describeWhere(w)}`;
}

/** The one line every failure prints: "cpiox: error CPIOX_...: message". */
function errorLine(e: unknown): string {
  if (e instanceof CpioxError) return `cpiox: error ${e.message}`;
  // Not a coded error: a bug, but still one line; the stack only when asked for.
  const text = process.env.CPIOX_DEBUG ? String((e as Error)?.stack ?? e) : String((e as Error)?.message ?? e);
  return `cpiox: error CPIOX_INTERNAL: ${text.split("\n").join(" | ")}`;
}

function usageFailure(err: NodeJS.WritableStream, cmd: string | null, why: string): number {
  err.write(`cpiox: error CPIOX_BAD_ARGUMENT: ${why}\nTry 'cpiox ${cmd ? `${cmd} ` : ""}--help' for more information.\n`);
  return 2;
}

export function packageVersion(): string {
  for (const up of ["../package.json", "../../package.json"]) {
    try {
      return (JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { version: string }).version;
    } catch {
      // try the next level: the sources and the compiled files sit at different depths
    }
  }
  return "unknown";
}

export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  try {
    argv = fromTarSpelling(argv) ?? argv;
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(err, null, e.message);
    throw e;
  }
  const [command, ...rest] = argv;
  if (!command) return usageFailure(err, null, "no command given");
  if (command === "-h" || command === "--help" || command === "help") {
    out.write(USAGE.main + "\n");
    return 0;
  }
  if (command === "--version" || command === "-V") {
    out.write(`cpiox ${packageVersion()}\n`);
    return 0;
  }
  if (!(command in OPTIONS)) return usageFailure(err, null, `unknown command ${JSON.stringify(command)}`);
  const cmd = command as Command;
  let v: Values, positionals: string[], tokens: Tokens;
  try {
    ({ values: v, positionals, tokens } = parseCommand(cmd, rest));
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(err, cmd, e.message);
    throw e;
  }
  if (v.help) {
    out.write(USAGE[cmd] + "\n");
    return 0;
  }
  let progress: ProgressLine | undefined;
  try {
    if (cmd === "create") return await runCreate(v, positionals, tokens, out);
    if (cmd === "bench") return await runBench(v, positionals, out, err);
    if (cmd === "serve") return await runServe(v, positionals, out);
    if (cmd === "worker") return await runWorkerCommand(v, positionals, out);
    // extract and list take PATTERNs after the archive; diff two images; the others exactly one.
    const takesPatterns = cmd === "extract" || cmd === "list";
    if (cmd === "diff" && positionals.length !== 2) throw new UsageError("expected two images, A and B (files, URLs, or - for one of them)");
    if (positionals.length < 1 || (!takesPatterns && cmd !== "diff" && positionals.length > 1)) {
      throw new UsageError(`expected exactly one ARCHIVE (a file, - for standard input, or a URL)${takesPatterns ? ", then any PATTERNs" : ""}`);
    }
    const [source, ...patterns] = positionals;
    let warnings = 0;
    const limits = {
      maxSize: parseSize(v["max-size"], "--max-size"), maxRatio: parseSize(v["max-ratio"], "--max-ratio"),
      http: {
        retries: parseSize(v.retries, "--retries"), retryDelay: parseSize(v["retry-delay"], "--retry-delay"),
        timeout: parseSize(v.timeout, "--timeout"), minRate: parseSize(v["min-rate"], "--min-rate"),
        deadline: parseSize(v.deadline, "--deadline"),
      },
    };
    const stderrTTY = Boolean((err as { isTTY?: boolean }).isTTY);
    progress = stderrTTY && !v.json && !v.quiet && !v["no-progress"]
      ? new ProgressLine(err as unknown as { write(s: string): unknown; columns?: number }) : undefined;
    const shownProgress = progress;
    const common = {
      onwarn: (w: Warning) => {
        shownProgress?.clear();
        warnings++;
        err.write(formatWarning(w) + "\n");
      },
      strict: Boolean(v.strict), keepMetadataFiles: Boolean(v["keep-metadata-files"]), ...limits,
      sha256: v.sha256 as string | undefined, sha512: v.sha512 as string | undefined, progress,
      patterns, exclude: v.exclude as string[] | undefined, members: parseMembers(v.member),
    };
    if (cmd === "diff") return await runDiff(positionals[0], positionals[1], v, common, out);
    if (cmd === "verify") return await runVerify(source, v, common, out);
    if (cmd === "extract") await runExtract(source, v, common, out);
    else if (cmd === "list") await runList(source, v, common, out);
    else await runExamine(source, v, common, out);
    progress?.clear();
    return warnings > 0 ? 1 : 0;
  } catch (e) {
    progress?.clear();
    if (e instanceof UsageError) return usageFailure(err, cmd, e.message);
    err.write(errorLine(e) + "\n");
    return 2;
  }
}

/**
 * The process entry point: a closed standard output ends the command quietly (exit 141, as for
 * a process that SIGPIPE killed), and SIGINT/SIGTERM remove what --atomic and create were building.
 */
export async function runCli(argv: string[]): Promise<number> {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(EXIT_PIPE_CLOSED);
    process.stderr.write(`${errorLine(fsError("CPIOX_OUTPUT", "cannot write to standard output", e))}\n`);
    process.exit(2);
  });
  // Whatever escapes (a bug) is still one coded line, never a stack trace.
  const fatal = (e: unknown) => {
    process.stderr.write(`${errorLine(e)}\n`);
    process.exit(2);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  installSignalCleanup((e) => process.stderr.write(`${errorLine(e)}\n`));
  return main(argv);
}
