// The `cpiox` command, thin over the library API. Exit status: 0 clean, 1 warnings, 2 error
// (verify: 0 pass, 1 policy violated, 2 malformed or unreadable).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { extract, examine, entries } from "./api.js";
import { create, type CreateCompression, type XattrEncoding } from "./create/index.js";
import type { CreateFormat } from "./create/encode.js";
import { CpioxError, describeWhere, type Warning } from "./errors.js";
import { entryJson, longLine, membersTable, xattrLines } from "./format.js";
import { ProgressLine } from "./progress.js";
import { exitCode, summarize, verify, type VerifyOptions } from "./verify/index.js";

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
  extract ARCHIVE|- -C DIR   unpack an initramfs into DIR, as the kernel would
                             (ARCHIVE may be a file, - for stdin, or an http(s):// URL)
  list ARCHIVE|-             list the entries
  examine ARCHIVE|-          one row per member (plain archive or compressed stream)
  verify ARCHIVE|-           check an image against a policy without extracting it
                             (exit 0 pass, 1 policy violated, 2 malformed or unreadable)
  create -C DIR -o FILE|-    write an initramfs of DIR, with its xattrs

Run 'cpiox <command> --help' for the options of a command.
Exit status: 0 clean, 1 finished with warnings, 2 error.`,
  extract: `Usage: cpiox extract ARCHIVE|- -C DIR [options]

  -C, --directory DIR   extraction root (created if missing); nothing outside it is touched
  --make-parents        create missing parent directories (the kernel skips such entries)
  --no-same-owner       do not set owners and groups (default: set them; without
                        root they are skipped with one warning)
  --resolver KIND       auto (default), openat2 or userspace
  --no-xattrs           do not apply the xattrs the archive carries (still checked)
  --atomic              extract into a temporary sibling of DIR and swap it into place
                        only when everything succeeded; a failure leaves DIR untouched
  --verify POLICY       run verify's checks in the same pass (default, strict or a
                        policy file) and fail if the image violates them (with
                        --atomic nothing is left behind)
  --ima-cert FILE       with --verify: a certificate or public key for IMA signatures
${COMMON_HELP}
  -q, --quiet           no summary line
  -h, --help            this help`,
  list: `Usage: cpiox list ARCHIVE|- [options]

  -v, --verbose         ls -l style lines ("@" after the mode: the entry carries xattrs)
  --xattrs              print each entry's xattrs under it (text when printable, else 0xHEX)
  --json                one JSON object per entry per line (xattrs as hex)
${COMMON_HELP}
  -q, --quiet           print nothing but warnings and errors
  -h, --help            this help`,
  create: `Usage: cpiox create (-C DIR | --list FILE) -o FILE|- [options]

  -C, --directory DIR   the tree to archive (entries sorted bytewise, "." first,
                        hard links detected, symlinks never followed)
  --list FILE           a gen_init_cpio list file instead (file/dir/nod/slink/pipe/
                        sock lines, and "xattr name=0xHEX" lines for the next entry)
  -o, --output FILE     where to write the image; - for standard output
  --format FORMAT       newc (default), crc (with data checksums) or newcx
  --xattrs ENCODING     none (default; newcx with --format newcx), newcx, metadata
                        (a METADATA!!! file after each entry with xattrs) or
                        xattr-list (one .xattr-list file); read without following
  --compress KIND       none (default), gzip (-9) or zstd (-19, with a checksum)
  SOURCE_DATE_EPOCH     (environment) clamps every mtime to it, for reproducible images
  -q, --quiet           no summary line
  -h, --help            this help`,
  verify: `Usage: cpiox verify ARCHIVE|- [options]

  --policy POLICY       default (the default), strict, or a policy JSON file
  --ima-cert FILE       a certificate or public key (PEM or DER) to check IMA
                        signatures with; repeatable
  --manifest FILE       write the image's manifest (one line per path) to FILE
  --against FILE        compare the image with a manifest written by --manifest
  --json                the report as one JSON object (schema cpiox-verify/1)
${SOURCE_HELP}
  -q, --quiet           print nothing; the exit status says it all
  -h, --help            this help
Exit status: 0 the image passes, 1 it violates the policy, 2 it is malformed or unreadable.`,
  examine: `Usage: cpiox examine ARCHIVE|- [options]

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
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;
const COMMON = { ...SOURCE_OPTIONS, strict: { type: "boolean" } } as const;

const OPTIONS = {
  extract: { ...COMMON, directory: { type: "string", short: "C" }, "make-parents": { type: "boolean" },
    "no-same-owner": { type: "boolean" }, resolver: { type: "string" }, "no-xattrs": { type: "boolean" },
    atomic: { type: "boolean" }, verify: { type: "string" }, "ima-cert": { type: "string", multiple: true } },
  verify: { ...SOURCE_OPTIONS, policy: { type: "string" }, "ima-cert": { type: "string", multiple: true },
    manifest: { type: "string" }, against: { type: "string" }, json: { type: "boolean" } },
  list: { ...COMMON, verbose: { type: "boolean", short: "v" }, json: { type: "boolean" }, xattrs: { type: "boolean" } },
  examine: { ...COMMON, json: { type: "boolean" } },
  create: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" },
    directory: { type: "string", short: "C" }, output: { type: "string", short: "o" }, list: { type: "string" },
    format: { type: "string" }, xattrs: { type: "string" }, compress: { type: "string" } },
} satisfies Record<string, ParseArgsConfig["options"]>;

type Command = keyof typeof OPTIONS;
type Values = Record<string, string | boolean | string[] | undefined>;

function formatWarning(w: Warning): string {
  return `cpiox: warning ${w.code}: ${w.message}${describeWhere(w)}`;
}

export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    out.write(USAGE.main + "\n");
    return command ? 0 : 2;
  }
  if (!(command in OPTIONS)) {
    err.write(`cpiox: unknown command ${JSON.stringify(command)}\n${USAGE.main}\n`);
    return 2;
  }
  const cmd = command as Command;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS[cmd], allowPositionals: true, strict: true });
  } catch (e) {
    err.write(`cpiox ${cmd}: ${(e as Error).message}\n${USAGE[cmd]}\n`);
    return 2;
  }
  const v = parsed.values as Values;
  if (v.help) {
    out.write(USAGE[cmd] + "\n");
    return 0;
  }
  if (cmd === "create") return runCreate(v, parsed.positionals, out, err);
  if (parsed.positionals.length !== 1) {
    err.write(`cpiox ${cmd}: expected exactly one ARCHIVE (or - for stdin)\n${USAGE[cmd]}\n`);
    return 2;
  }
  const source = parsed.positionals[0];
  let warnings = 0;
  const onwarn = (w: Warning) => {
    warnings++;
    err.write(formatWarning(w) + "\n");
  };
  let limits;
  try {
    limits = {
      maxSize: parseSize(v["max-size"], "--max-size"), maxRatio: parseSize(v["max-ratio"], "--max-ratio"),
      http: { retries: parseSize(v.retries, "--retries"), retryDelay: parseSize(v["retry-delay"], "--retry-delay"), timeout: parseSize(v.timeout, "--timeout") },
    };
  } catch (e) {
    err.write(`cpiox ${cmd}: ${(e as Error).message}\n`);
    return 2;
  }
  const stderrTTY = Boolean((err as { isTTY?: boolean }).isTTY);
  const progress = stderrTTY && !v.json && !v.quiet && !v["no-progress"]
    ? new ProgressLine(err as unknown as { write(s: string): unknown; columns?: number }) : undefined;
  const common = {
    onwarn: (w: Warning) => {
      progress?.clear();
      onwarn(w);
    },
    strict: Boolean(v.strict), keepMetadataFiles: Boolean(v["keep-metadata-files"]), ...limits,
    sha256: v.sha256 as string | undefined, sha512: v.sha512 as string | undefined, progress,
  };
  try {
    if (cmd === "extract") {
      if (typeof v.directory !== "string") {
        err.write(`cpiox extract: -C DIR is required\n${USAGE.extract}\n`);
        return 2;
      }
      if (v["ima-cert"] && v.verify === undefined) {
        err.write(`cpiox extract: --ima-cert needs --verify POLICY\n`);
        return 2;
      }
      const resolver = (v.resolver ?? "auto") as string;
      if (!["auto", "openat2", "userspace"].includes(resolver)) {
        err.write(`cpiox extract: --resolver must be auto, openat2 or userspace\n`);
        return 2;
      }
      const r = await extract(source, {
        ...common, cwd: v.directory, makeParents: Boolean(v["make-parents"]),
        preserveOwner: v["no-same-owner"] ? false : undefined,
        resolver: resolver as "auto" | "openat2" | "userspace",
        xattrs: !v["no-xattrs"],
        atomic: Boolean(v.atomic),
        verify: v.verify as string | undefined,
        imaCerts: v["ima-cert"] as string[] | undefined,
      });
      if (!v.quiet) {
        out.write(`extracted ${r.entries} entries (${r.files} files, ${r.bytes} bytes) from ${r.members.length} member(s) into ${v.directory}\n`);
      }
    } else if (cmd === "verify") {
      return await runVerify(source, v, common, out);
    } else if (cmd === "list") {
      let text = "";
      for await (const e of entries(source, common)) {
        if (v.quiet) continue;
        text += (v.json ? JSON.stringify(entryJson(e)) : v.verbose ? longLine(e) : e.path) + "\n";
        if (v.xattrs && !v.json && e.xattrs) text += xattrLines(e).join("\n") + "\n";
        if (text.length > 65536) {
          out.write(text);
          text = "";
        }
      }
      out.write(text);
    } else {
      const r = await examine(source, common);
      if (!v.quiet) {
        out.write(v.json ? JSON.stringify(r) + "\n" : `${membersTable(r.members)}\n${r.size} bytes, ${r.members.length} member(s)\n`);
      }
    }
  } catch (e) {
    progress?.clear();
    if (e instanceof CpioxError) {
      err.write(`cpiox: error ${e.message}\n`);
      return 2;
    }
    err.write(`cpiox: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
  progress?.clear();
  return warnings > 0 ? 1 : 0;
}

async function runVerify(source: string, v: Values, common: VerifyOptions, out: NodeJS.WritableStream): Promise<number> {
  const { report, manifest } = await verify(source, {
    ...common, policy: v.policy as string | undefined, imaCerts: v["ima-cert"] as string[] | undefined,
    against: v.against as string | undefined, manifest: typeof v.manifest === "string",
  });
  if (typeof v.manifest === "string") writeFileSync(v.manifest, manifest!);
  common.progress?.clear();
  if (!v.quiet) out.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : summarize(report));
  return exitCode(report);
}

const SUFFIX: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A non-negative number with an optional K/M/G/T (binary) suffix; undefined when not given. */
export function parseSize(text: string | boolean | string[] | undefined, option: string): number | undefined {
  if (text === undefined || typeof text !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`${option} takes a number with an optional K, M, G or T suffix, not ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * SUFFIX[m[2].toLowerCase()]);
}

async function runCreate(
  v: Values, positionals: string[],
  out: NodeJS.WritableStream, err: NodeJS.WritableStream,
): Promise<number> {
  const usage = (why: string) => {
    err.write(`cpiox create: ${why}\n${USAGE.create}\n`);
    return 2;
  };
  if (positionals.length) return usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if ((typeof v.directory === "string") === (typeof v.list === "string")) return usage("give -C DIR or --list FILE");
  if (typeof v.output !== "string") return usage("-o FILE (or - for standard output) is required");
  const format = (v.format ?? "newc") as string;
  const xattrs = (v.xattrs ?? (format === "newcx" ? "newcx" : "none")) as string;
  const compress = (v.compress ?? "none") as string;
  if (!["newc", "crc", "newcx"].includes(format)) return usage("--format must be newc, crc or newcx");
  if (!["none", "newcx", "metadata", "xattr-list"].includes(xattrs)) return usage("--xattrs must be none, newcx, metadata or xattr-list");
  if (!["none", "gzip", "zstd"].includes(compress)) return usage("--compress must be none, gzip or zstd");
  const epochText = process.env.SOURCE_DATE_EPOCH;
  if (epochText !== undefined && !/^\d+$/.test(epochText)) return usage("SOURCE_DATE_EPOCH must be a whole number of seconds");
  try {
    const r = await create({
      cwd: v.directory as string | undefined,
      listFile: typeof v.list === "string" ? readFileSync(v.list, "utf8") : undefined,
      output: v.output === "-" ? process.stdout : v.output,
      format: format as CreateFormat, xattrs: xattrs as XattrEncoding, compress: compress as CreateCompression,
      sourceDateEpoch: epochText === undefined ? undefined : Number(epochText),
    });
    if (!v.quiet && v.output !== "-") out.write(`wrote ${r.entries} entries (${r.bytes} bytes of cpio) to ${v.output}\n`);
    return 0;
  } catch (e) {
    err.write(`cpiox: error ${(e as Error).message}\n`);
    return 2;
  }
}
