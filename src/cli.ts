// The `cpiox` command, thin over the library API. Exit status: 0 clean, 1 warnings, 2 error
// (verify: 0 pass, 1 policy violated, 2 malformed or unreadable).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CreateCompression, CreateMember, XattrEncoding } from "./create/index.js";
import { COMPRESSION_NAMES } from "./create/compress/names.js";
import type { CreateFormat } from "./create/encode.js";
import { CpioxError, describeWhere, fsError, type Warning } from "./errors.js";
import { drainOnSignal, installSignalCleanup } from "./process/cleanup.js";
import type { ExtractOptions } from "./options.js";
import type { Entry } from "./entries.js";
import { entryJson, humanSize, longLine, memberCounts, membersTable, ownerNames, ukiLines, xattrLines, type OwnerNames } from "./cli/format.js";
import { ProgressLine } from "./input/progress.js";
import type { VerifyOptions } from "./verify/index.js";

// Options every command takes, after its own.
const STRICT_HELP = `  --strict              treat any warning as an error
`;
const SOURCE_HELP = `  --sha256 HEX, --sha512 HEX
                        the input's digest, checked on the exact bytes read
  --progress, --no-progress
                        a progress line on stderr (default: on when stderr is a
                        terminal; never with --json or -q, never when not a terminal)
  --retries N, --retry-delay MS, --timeout MS
                        for http(s):// inputs: retries after drops, 5xx or stalls
                        (default 5, resumed with Range/If-Range), first backoff
                        (default 500, doubled, jittered), idle timeout (default 30000)
  --min-rate BYTES      for http(s):// inputs: a connection slower than this per
                        second over a --timeout window counts as stalled (default 1K)
  --deadline MS         for http(s):// inputs: give up after this long in all
                        (default 0 = no deadline)
  --keep-metadata-files treat METADATA!!! and .xattr-list files as ordinary files
                        too (the kernel patches' behaviour); by default metadata only
  --max-size BYTES      stop after this much archive data, plain plus decompressed
                        (default 32 GiB; 0 = no limit; K/M/G/T suffixes)
  --max-ratio N         stop when a compressed member expands more than N:1, judged
                        after its first 16 MiB (default 1000; 0 = no limit)`;
const COMMON_HELP = STRICT_HELP + SOURCE_HELP;

const USAGE: Record<string, string> = {
  main: `Usage: cpiox <command> [options]

Commands:
  extract ARCHIVE|- [PATTERN...] -C DIR
                             unpack an initramfs into DIR, as the kernel would
                             (ARCHIVE may be a file, - for stdin, or an http(s):// URL)
  extract ARCHIVE|- PATTERN... -O
                             the selected files' data to standard output
  list ARCHIVE|- [PATTERN...]
                             list the entries
  examine ARCHIVE|-          one row per member (plain archive or compressed stream)
  verify ARCHIVE|-           check an image against a policy without extracting it
                             (exit 0 pass, 1 policy violated, 2 malformed or unreadable)
  diff A B                   what differs between two images as the kernel would unpack them
                             (exit 0 equal, 1 different, 2 error)
  create -C DIR -o FILE|-    write an initramfs of DIR, with its xattrs
  bench IMAGE                time the kernel's own unpack of IMAGE (user-mode-linux or
                             qemu), cpiox's and other tools', and compare their trees
  serve --token-file FILE    the upload gate as an HTTP service (jobs in-process, or on Redis
                             with --redis for cpiox worker processes)
  worker --redis URL         run the verification jobs a cpiox serve queued on Redis

bsdtar's spellings work too: cpiox -tf IMG, cpiox -tvf IMG, cpiox -xf IMG -C DIR.
Run 'cpiox <command> --help' for the options of a command, 'cpiox --version' for the version.
Exit status: 0 clean, 1 finished with warnings, 2 error.`,
  extract: `Usage: cpiox extract ARCHIVE|- [PATTERN...] -C DIR [options]
       cpiox extract ARCHIVE|- [PATTERN...] -O [options]

PATTERNs are shell globs on the entry's path without a leading "./" or "/" (* and ? within a
component, ** across components, [..], {a,b}); a directory that matches brings its contents.
  -C, --directory DIR   extraction root (created if missing); nothing outside it is touched
  -O, --to-stdout       write the selected regular files' data to standard output instead;
                        nothing is written to disk
  --exclude PATTERN     leave out what matches (a directory takes its contents); repeatable
  --strip-components N  remove N leading components from each name; entries left with
                        none are skipped
  -P, --member N[,M...] only the entries of these members (from 0, as examine numbers them)
  --split               each member into its own subdirectory of DIR: early, early2, ...
                        and main for the last (unmkinitramfs's names); DIR must be empty
  --make-parents        create missing parent directories (the kernel skips such entries)
  --same-owner          set owners and groups from the archive (the default as root;
                        without root each one that differs is reported once)
  --no-same-owner       do not set owners and groups (the default without root)
  --resolver KIND       auto (default), openat2 or userspace
  --no-xattrs           do not apply the xattrs the archive carries (still checked)
  --atomic              extract into a temporary sibling of DIR and swap it into place
                        only when everything succeeded; a failure leaves DIR untouched.
                        DIR must be missing or an empty directory, unless --replace
  --replace             with --atomic: DIR may be a non-empty directory, whose old
                        contents are removed after the swap
  --verify POLICY       run verify's checks in the same pass (default, strict or a
                        policy file) and fail if the image violates them (with
                        --atomic nothing is left behind)
  --ima-cert FILE       with --verify: a certificate or public key for IMA signatures
${COMMON_HELP}
  -q, --quiet           no summary line
  -h, --help            this help`,
  list: `Usage: cpiox list ARCHIVE|- [PATTERN...] [options]

PATTERNs select entries as for extract (shell globs on the path; a directory brings its contents).
  --exclude PATTERN     leave out what matches; repeatable
  -P, --member N[,M...] only the entries of these members (from 0, as examine numbers them)
  -v, --verbose         ls -l style lines ("@" after the mode: the entry carries xattrs),
                        owners by name from the image's etc/passwd and etc/group (else
                        this system's; lines come once the image is read), local times
  --numeric             with -v: owners as numbers
  --utc                 with -v: times in UTC
  --xattrs              print each entry's xattrs under it (text when printable, else 0xHEX)
  --json                one JSON object per entry per line (xattrs as hex)
${COMMON_HELP}
  -q, --quiet           print nothing but warnings and errors
  -h, --help            this help`,
  create: `Usage: cpiox create (-C DIR | --list FILE) [--compress KIND [--level N]]... -o FILE|- [options]

Each -C DIR or --list FILE is one member of the image, in the order given (an uncompressed
early member first, then a compressed main one, as mkinitramfs writes them); --compress and
--level after a member apply to it, before the first one to every member that names none.
  -C, --directory DIR   a tree to archive (entries sorted bytewise, "." first,
                        hard links detected, symlinks never followed)
  --list FILE           a gen_init_cpio list file instead (file/dir/nod/slink/pipe/
                        sock lines, and "xattr name=0xHEX" lines for the next entry);
                        "#cpio: KIND [-LEVEL]" lines start a new member, as in 3cpio
  -o, --output FILE     where to write the image; - for standard output
  --format FORMAT       newc (default), crc (with data checksums) or newcx
  --xattrs ENCODING     none (default; newcx with --format newcx), newcx, metadata
                        (a METADATA!!! file after each entry with xattrs) or
                        xattr-list (one .xattr-list file); read without following
  --compress KIND       none (default), gzip, zstd, xz (crc32 check), lzma, lz4 (the legacy
                        frame), lzo (lzop) or bzip2
  --level N             the compression level; defaults as mkinitramfs: gzip 6, zstd 9,
                        xz 6, lzma 6, lz4 9, lzo 3, bzip2 9
  SOURCE_DATE_EPOCH     (environment) clamps every mtime to it, for reproducible images
  -q, --quiet           no summary line
  -h, --help            this help`,
  verify: `Usage: cpiox verify ARCHIVE|- [options]

  --policy POLICY       default (the default), strict, or a policy JSON file
  -P, --member N[,M...] check only the entries of these members (the digests cover all)
  --ima-cert FILE       a certificate or public key (PEM or DER) to check IMA
                        signatures with; repeatable
  --manifest FILE       write the image's manifest (one line per path) to FILE
  --against FILE        compare the image with a manifest written by --manifest
  --json                the report as one JSON object (schema cpiox-verify/1)
${SOURCE_HELP}
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 the image passes, 1 it violates the policy, 2 it is malformed or unreadable.`,
  bench: `Usage: cpiox bench IMAGE [options]

Boots the kernel on IMAGE (with a helper /init appended that prints the unpacked tree and
powers off), reads populate_rootfs's own time, extracts IMAGE with cpiox and the other tools
to a tmpfs, and compares every tree with the kernel's, field by field.
  --kernel KIND         auto (default: uml when installed, else qemu with KVM, else none),
                        uml, qemu or none
  --vmlinuz PATH        the kernel image qemu boots (default: the newest /boot/vmlinuz-*)
  --no-kvm              qemu without KVM even when /dev/kvm is there (the time is then
                        emulated, and reported as such)
  --busybox PATH        a statically linked busybox for the helper /init (default:
                        $CPIOX_BUSYBOX, else busybox on the PATH when it is static)
  --runs N              runs of each (default 5); medians, min and max are reported
  --tools LIST          peers, comma-separated: bsdtar, busybox, gnu-cpio (default: all
                        three; "none" for cpiox alone)
  --json                the report as JSON (schema cpiox-bench/1)
  --chart FILE.svg      also write a bar chart of the medians (min/max whiskers)
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 cpiox's tree equals the kernel's (or no kernel was booted), 1 it differs, 2 error.`,
  diff: `Usage: cpiox diff A B [options]

Compares the trees two images unpack to, with the kernel's rules: paths added, removed and
changed (type, mode, uid, gid, size, digest, target, device, xattrs), files' bytes per top-level
directory, each member's size, and the paths that two members of one image both write. A and B
are files, URLs, or - for standard input (one of them).
  --json                the report as one JSON object (schema cpiox-diff/1)
  -P, --member N[,M...] compare only the entries of these members (from 0)
  --keep-metadata-files, --max-size BYTES, --max-ratio N, --retries N, --retry-delay MS,
  --timeout MS, --min-rate BYTES, --deadline MS
                        as for the other commands, applied to both images
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 the images unpack to the same tree, 1 they differ, 2 error.`,
  serve: `Usage: cpiox serve --token-file FILE [options]

An HTTP API: POST /v1/verify (the image as the body; ?policy=NAME, ?sha256=HEX) answers the
cpiox-verify/1 report (200 pass, 422 fail, 400 malformed, 413 too large); POST /v1/jobs with
{"url", "sha256"?, "policy"?} queues a URL (202 and an id); GET /v1/jobs/ID, GET /v1/health
(no token) and GET /metrics (Prometheus). Every route but health needs "Authorization: Bearer".
  --listen HOST:PORT    where to listen (default 127.0.0.1:8080)
  --token-file FILE     the bearer token (at least 16 characters), required
  --redis URL           queue jobs in BullMQ on this Redis for cpiox worker processes
                        (default: run them in this process, in a bounded queue)
  --policy P            a policy requests may name: default, strict, FILE or NAME=FILE;
                        repeatable; the first is the default (default and strict always exist)
  --ima-cert FILE       a certificate or public key for IMA signatures; repeatable
  --max-size BYTES      the largest image accepted (default 16G; K/M/G/T suffixes)
  --concurrency N       uploads verified at once, and in-process jobs at once (default 2)
  --idle-timeout MS     cut off an upload that sends nothing for this long (default 30000)
  --keep SECONDS        keep finished jobs' reports this long (default 86400)
  -q, --quiet           no start-up line
  -h, --help            this help
SIGTERM or SIGINT: stop taking requests, finish what is under way, exit 0.`,
  worker: `Usage: cpiox worker --redis URL [options]

Takes the verification jobs that cpiox serve --redis queued and runs them; any number of workers
on any machines share one queue. A job carries its policy and certificates with it.
  --redis URL           the Redis that cpiox serve queues on (redis:// or rediss://)
  --concurrency N       jobs at once (default 1)
  --lock-ms MS          a dead worker's job goes to another after this long (default 30000)
  -q, --quiet           no line per job
  -h, --help            this help
SIGTERM or SIGINT: finish the active jobs, take no more, exit 0.`,
  examine: `Usage: cpiox examine ARCHIVE|- [options]

One row per member: offsets, kind, sizes (KiB/MiB/GiB), the compression ratio, entries, xattr
encodings and what the container header says.
  -b, --bytes           exact sizes in bytes
  --count               entries per member, and the total
  --bootconfig          print the text of the bootconfig trailer the image ends in
  --json                one JSON object with the members
${COMMON_HELP}
  -q, --quiet           print nothing but warnings and errors
  -h, --help            this help`,
};

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

const OPTIONS = {
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

type Command = keyof typeof OPTIONS;
type Values = Record<string, string | boolean | string[] | undefined>;

/** Options that contradict each other, per command (each pair is refused). */
const CONFLICTS: Partial<Record<Command, [string, string][]>> = {
  list: [["json", "utc"], ["json", "numeric"], ["json", "verbose"], ["json", "xattrs"], ["quiet", "json"], ["quiet", "verbose"], ["quiet", "xattrs"], ["progress", "no-progress"]],
  verify: [["json", "quiet"], ["progress", "no-progress"]],
  examine: [["json", "quiet"], ["progress", "no-progress"], ["json", "count"], ["json", "bytes"], ["count", "bytes"], ["bootconfig", "json"], ["bootconfig", "count"]],
  bench: [["json", "quiet"]],
  diff: [["json", "quiet"]],
  extract: [["progress", "no-progress"], ["same-owner", "no-same-owner"], ["to-stdout", "directory"], ["to-stdout", "atomic"],
    ["to-stdout", "verify"], ["to-stdout", "strip-components"], ["to-stdout", "split"]],
};

/** Exit status when standard output is closed under us (as for a process killed by SIGPIPE). */
export const EXIT_PIPE_CLOSED = 141;

class UsageError extends Error {}

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

/** Parses a command's arguments; an option given twice (unless repeatable) or a conflict is a usage error. */
function parseCommand(cmd: Command, args: string[]) {
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

type Tokens = { kind: string; name?: string; value?: string }[];

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
    if (cmd === "diff") {
      const { diff } = await import("./diff/index.js");
      const { formatDiff } = await import("./diff/format.js");
      // Two inputs at once: one progress line cannot follow both; B is not a pattern.
      const { patterns: _b, progress: _line, ...diffOptions } = common;
      const report = await diff(positionals[0], positionals[1], diffOptions);
      if (!v.quiet) out.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDiff(report)}\n`);
      return report.equal ? 0 : 1;
    } else if (cmd === "extract") {
      await runExtract(source, v, common, out);
    } else if (cmd === "verify") {
      return await runVerify(source, v, common, out);
    } else if (cmd === "list") {
      await runList(source, v, common, out);
    } else {
      // Each command loads its own modules: --help, and every other command, do not pay for them.
      const { examine } = await import("./list/list.js");
      const r = await examine(source, common);
      if (!v.quiet) {
        const size = v.bytes ? `${r.size} bytes` : `${humanSize(r.size)} (${r.size} bytes)`;
        const bc = r.bootconfig;
        const trailer = bc ? `bootconfig: ${bc.size} bytes at offset ${bc.offset}, checksum ${bc.checksum} (correct); not unpacked (a kernel built with CONFIG_BOOT_CONFIG ends the initrd there; one without it unpacks the rest, then reports "invalid magic")\n` : "";
        if (v.bootconfig) {
          if (!bc) throw new CpioxError("CPIOX_BOOTCONFIG", "the image ends in no bootconfig trailer (#BOOTCONFIG)");
          out.write(bc.text.endsWith("\n") ? bc.text : `${bc.text}\n`);
        } else {
          const uki = r.uki ? `${ukiLines(r.uki, Boolean(v.bytes))}\n` : "";
          out.write(v.json ? JSON.stringify(r) + "\n" : v.count ? `${memberCounts(r.members)}\n` : `${membersTable(r.members, Boolean(v.bytes))}\n${size}, ${r.members.length} member(s)\n${trailer}${uki}`);
        }
      }
    }
    progress?.clear();
    return warnings > 0 ? 1 : 0;
  } catch (e) {
    progress?.clear();
    if (e instanceof UsageError) return usageFailure(err, cmd, e.message);
    err.write(errorLine(e) + "\n");
    return 2;
  }
}

async function runExtract(source: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<void> {
  if (v["to-stdout"]) {
    const { extractToStream } = await import("./extract/to-stream.js");
    await extractToStream(source, out, common);
    return;
  }
  if (typeof v.directory !== "string") throw new UsageError("-C DIR is required (or -O, --to-stdout, for the data on standard output)");
  const strip = v["strip-components"] === undefined ? undefined : Number(v["strip-components"]);
  if (strip !== undefined && (!Number.isInteger(strip) || strip < 0)) throw new UsageError("--strip-components takes a whole number");
  if (v["ima-cert"] && v.verify === undefined) throw new UsageError("--ima-cert needs --verify POLICY");
  if (v.replace && !v.atomic) throw new UsageError("--replace needs --atomic");
  const resolver = (v.resolver ?? "auto") as string;
  if (!["auto", "openat2", "userspace"].includes(resolver)) throw new UsageError("--resolver must be auto, openat2 or userspace");
  const { extract } = await import("./extract/run.js");
  const r = await extract(source, {
    ...common, cwd: v.directory, makeParents: Boolean(v["make-parents"]),
    preserveOwner: v["no-same-owner"] ? false : v["same-owner"] ? true : undefined,
    resolver: resolver as "auto" | "openat2" | "userspace",
    xattrs: !v["no-xattrs"],
    atomic: Boolean(v.atomic),
    replace: Boolean(v.replace),
    verify: v.verify as string | undefined,
    imaCerts: v["ima-cert"] as string[] | undefined,
    stripComponents: strip,
    split: Boolean(v.split),
  });
  if (!v.quiet) {
    out.write(`extracted ${r.entries} entries (${r.files} files, ${r.bytes} bytes) from ${r.members.length} member(s) into ${v.directory}\n`);
  }
}

/** An image's etc/passwd or etc/group is read for owner names up to this size. */
export const OWNER_FILE_MAX = 1 << 20;

async function runList(source: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<void> {
  if ((v.utc || v.numeric) && !v.verbose) throw new UsageError(`--${v.utc ? "utc" : "numeric"} applies to -v`);
  const { entries } = await import("./list/entries.js");
  // -v with names: the image's own etc/passwd and etc/group name its owners (they may come last,
  // so the lines wait for the end of the image); where the image lacks one, the host's.
  const byName = Boolean(v.verbose && !v.numeric && !v.quiet);
  const long = { utc: Boolean(v.utc), names: null as OwnerNames | null };
  const held: Entry[] = [];
  const ownerFiles: Record<string, string> = {};
  let text = "";
  const show = async (e: Entry) => {
    text += (v.json ? JSON.stringify(entryJson(e)) : v.verbose ? longLine(e, long) : e.path) + "\n";
    if (v.xattrs && e.xattrs) text += xattrLines(e).join("\n") + "\n";
    if (text.length > 65536) {
      // Wait when the reader is slower: memory stays bounded, and a closed pipe stops the read.
      if (!out.write(text)) await new Promise((r) => out.once("drain", r));
      text = "";
    }
  };
  for await (const e of entries(source, { ...common, data: byName })) {
    if (v.quiet) continue;
    if (!byName) {
      await show(e);
      continue;
    }
    const name = e.type === "file" ? e.path.replace(/^(\.?\/)+/, "") : "";
    if ((name === "etc/passwd" || name === "etc/group") && e.data) ownerFiles[name] = await readText(e.data, OWNER_FILE_MAX);
    held.push(e);
  }
  if (byName) {
    const host = hostOwnerFiles();
    long.names = ownerNames(ownerFiles["etc/passwd"] ?? host.passwd, ownerFiles["etc/group"] ?? host.group);
    for (const e of held) await show(e);
  }
  out.write(text);
}

/** The first `max` bytes of an entry's data as text (the rest is passed over). */
async function readText(data: AsyncIterable<Uint8Array>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of data) {
    if (have < max) parts.push(Buffer.from(chunk.subarray(0, max - have)));
    have += chunk.length;
  }
  return Buffer.concat(parts).toString("utf8");
}

type ExtractCommon = Omit<ExtractOptions, "cwd">;

async function runVerify(source: string, v: Values, common: VerifyOptions, out: NodeJS.WritableStream): Promise<number> {
  const { exitCode, summarize, verify } = await import("./verify/index.js");
  const { report, manifest } = await verify(source, {
    ...common, policy: v.policy as string | undefined, imaCerts: v["ima-cert"] as string[] | undefined,
    against: v.against as string | undefined, manifest: typeof v.manifest === "string",
  });
  if (typeof v.manifest === "string") {
    try {
      writeFileSync(v.manifest, manifest!);
    } catch (e) {
      throw fsError("CPIOX_OUTPUT", `cannot write the manifest ${v.manifest}`, e);
    }
  }
  common.progress?.clear();
  if (!v.quiet) out.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : summarize(report));
  return exitCode(report);
}

/** The host's passwd and group, as tar reads them for names (empty when they cannot be read). */
function hostOwnerFiles(): { passwd: string; group: string } {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  return { passwd: read("/etc/passwd"), group: read("/etc/group") };
}

/** --member N[,M...] (repeatable): member indexes from 0, as examine numbers them. */
function parseMembers(values: string | boolean | string[] | undefined): number[] | undefined {
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

/**
 * create's members from the order of its options: each -C/--list starts one; --compress and
 * --level apply to the member they follow, or (before the first) to each member that sets none.
 */
function createMembers(tokens: Tokens): CreateMember[] {
  const members: (CreateMember & { levelText?: string })[] = [];
  const defaults: { compress?: string; levelText?: string } = {};
  for (const t of tokens) {
    if (t.kind !== "option" || t.value === undefined) continue;
    const current = members[members.length - 1];
    if (t.name === "directory" || t.name === "list") {
      members.push(t.name === "directory" ? { cwd: t.value } : { listFile: readListFile(t.value) });
    } else if (t.name === "compress" || t.name === "level") {
      const into = (current ?? defaults) as Record<string, string | undefined>;
      const key = t.name === "compress" ? "compress" : "levelText";
      if (into[key] !== undefined) throw new UsageError(`--${t.name} given twice for ${current ? "one member" : "every member"}`);
      into[key] = t.value;
    }
  }
  if (!members.length) throw new UsageError("give -C DIR or --list FILE (once per member)");
  return members.map((m) => {
    const compress = (m.compress ?? defaults.compress ?? "none") as string;
    if (!(COMPRESSION_NAMES as readonly string[]).includes(compress)) throw new UsageError(`--compress must be one of ${COMPRESSION_NAMES.join(", ")}`);
    const levelText = m.levelText ?? (m.compress === undefined ? defaults.levelText : undefined);
    if (levelText !== undefined && !/^\d+$/.test(levelText)) throw new UsageError(`--level takes a whole number, not ${JSON.stringify(levelText)}`);
    return { cwd: m.cwd, listFile: m.listFile, compress: compress as CreateCompression, level: levelText === undefined ? undefined : Number(levelText) };
  });
}

function readListFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw fsError("CPIOX_INPUT", `cannot read the list file ${path}`, e);
  }
}

async function runCreate(v: Values, positionals: string[], tokens: Tokens, out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v.output !== "string") throw new UsageError("-o FILE (or - for standard output) is required");
  const format = (v.format ?? "newc") as string;
  const xattrs = (v.xattrs ?? (format === "newcx" ? "newcx" : "none")) as string;
  if (!["newc", "crc", "newcx"].includes(format)) throw new UsageError("--format must be newc, crc or newcx");
  if (!["none", "newcx", "metadata", "xattr-list"].includes(xattrs)) throw new UsageError("--xattrs must be none, newcx, metadata or xattr-list");
  const epochText = process.env.SOURCE_DATE_EPOCH;
  if (epochText !== undefined && !/^\d+$/.test(epochText)) throw new UsageError("SOURCE_DATE_EPOCH must be a whole number of seconds");
  const members = createMembers(tokens);
  const { create } = await import("./create/index.js");
  const r = await create({
    members, output: v.output === "-" ? process.stdout : v.output,
    format: format as CreateFormat, xattrs: xattrs as XattrEncoding,
    sourceDateEpoch: epochText === undefined ? undefined : Number(epochText),
  });
  if (!v.quiet && v.output !== "-") {
    const parts = r.members.map((m) => `${m.compress}${m.level === null ? "" : ` -${m.level}`}`);
    out.write(`wrote ${r.entries} entries (${r.bytes} bytes of cpio) in ${r.members.length} member(s) (${parts.join(", ")}) to ${v.output}\n`);
  }
  return 0;
}

/** A whole number from 1 to max, or undefined when not given. */
function count(value: string | boolean | string[] | undefined, option: string, max = 1_000_000): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`${option} takes a whole number from 1 to ${max}`);
  return n;
}

async function runServe(v: Values, positionals: string[], out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v["token-file"] !== "string") throw new UsageError("--token-file FILE is required: the service never runs open");
  const { createServer } = await import("./serve/server.js");
  const running = await createServer({
    listen: v.listen as string | undefined, tokenFile: v["token-file"], redis: v.redis as string | undefined,
    policies: v.policy as string[] | undefined, imaCerts: v["ima-cert"] as string[] | undefined,
    maxSize: parseSize(v["max-size"], "--max-size"), concurrency: count(v.concurrency, "--concurrency", 1024),
    idleMs: count(v["idle-timeout"], "--idle-timeout"), keepSeconds: count(v.keep, "--keep", 10 * 365 * 86400),
  });
  if (!v.quiet) out.write(`cpiox serve: listening on ${running.url}, jobs ${running.backend.kind === "redis" ? `on Redis (${v.redis})` : "in this process"}\n`);
  drainOnSignal(() => running.close());
  return new Promise<number>(() => undefined); // runs until a signal drains it
}

async function runWorkerCommand(v: Values, positionals: string[], out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v.redis !== "string") throw new UsageError("--redis URL is required");
  const { runWorker } = await import("./serve/worker.js");
  const worker = await runWorker({
    redis: v.redis, concurrency: count(v.concurrency, "--concurrency", 1024), lockMs: count(v["lock-ms"], "--lock-ms"),
    onJob: v.quiet ? undefined : (e) => out.write(`job ${e.id}: ${e.state} (${e.detail})\n`),
  });
  if (!v.quiet) out.write(`cpiox worker: taking jobs from ${v.redis}\n`);
  drainOnSignal(() => worker.close());
  return new Promise<number>(() => undefined);
}

async function runBench(v: Values, positionals: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("expected exactly one IMAGE (a file)");
  const kernel = (v.kernel ?? "auto") as string;
  if (!["auto", "uml", "qemu", "none"].includes(kernel)) throw new UsageError("--kernel must be auto, uml, qemu or none");
  const runs = v.runs === undefined ? 5 : Number(v.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new UsageError("--runs must be a whole number from 1 to 1000");
  const tools = v.tools === undefined ? undefined : v.tools === "none" ? [] : String(v.tools).split(",").map((t) => t.trim()).filter(Boolean);
  const { bench } = await import("./bench/index.js");
  const { benchChart, formatBench } = await import("./bench/report.js");
  const stderrTTY = Boolean((err as { isTTY?: boolean }).isTTY);
  const report = await bench(positionals[0], {
    kernel: kernel as "auto" | "uml" | "qemu" | "none", vmlinuz: v.vmlinuz as string | undefined, noKvm: Boolean(v["no-kvm"]), busybox: v.busybox as string | undefined,
    runs, tools, cpiox: { node: process.execPath, cli: process.argv[1] },
    onProgress: stderrTTY && !v.quiet ? (line) => err.write(`\r\x1b[K${line}`) : undefined,
  });
  if (stderrTTY && !v.quiet) err.write("\r\x1b[K");
  if (typeof v.chart === "string") {
    try {
      writeFileSync(v.chart, benchChart(report));
    } catch (e) {
      throw fsError("CPIOX_OUTPUT", `cannot write the chart ${v.chart}`, e);
    }
  }
  if (!v.quiet) out.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBench(report)}\n`);
  return "identical" in report.parity && !report.parity.identical ? 1 : 0;
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
