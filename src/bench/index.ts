// `cpiox bench IMAGE`: the kernel's own unpack time and tree (booted under user-mode-linux or
// qemu with a helper /init), cpiox's and the userspace peers' times on a tmpfs target, and
// whether each tree equals the kernel's, field by field.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { CpioxError } from "../errors.js";
import { compareManifests, type Parity } from "./compare.js";
import { findStaticBusybox, withHelper } from "./helper.js";
import { bootKernel, chooseKernel, KvmStalled, type KernelMode } from "./kernel.js";
import { manifestOfTree, type Manifest } from "./manifest.js";
import { peerTools, timeCommand } from "./peers.js";

export const BENCH_SCHEMA = "cpiox-bench/1";
/** Differing paths listed per tool at most (the rest are counted). */
export const PATHS_LISTED_MAX = 50;
export const DEFAULT_TOOLS = ["bsdtar", "busybox", "gnu-cpio"];

export interface BenchOptions {
  kernel?: "auto" | KernelMode | "none";
  vmlinuz?: string;
  /** qemu without KVM even when /dev/kvm is there (emulated). */
  noKvm?: boolean;
  runs?: number;
  /** Peers besides cpiox (bsdtar, busybox, gnu-cpio). */
  tools?: string[];
  busybox?: string;
  /** How to run cpiox: node and the CLI script. */
  cpiox: { node: string; cli: string };
  /** Where the targets go (a tmpfs by default). */
  workDir?: string;
  onProgress?(line: string): void;
}

export interface Timing {
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export interface ToolReport extends Partial<Timing> {
  tool: string;
  command?: string;
  unavailable?: string;
  /** Median / the kernel's time (how many times the kernel's time this took). */
  ratioToKernel?: number | null;
  /** Whether its tree equals the kernel's (null: no kernel tree to compare with). */
  treeEqualsKernel: boolean | null;
  /**
   * Whether it read every member: false when paths that only a later member makes are missing
   * from its tree (null: one member, or no kernel tree).
   */
  readEveryMember?: boolean | null;
  /** Members whose paths are missing from its tree. */
  membersMissed?: number[];
  differences?: Parity["differences"];
  differencesNotListed?: number;
}

export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  image: { path: string; bytes: number; members: { kind: string; start: number; end: number }[] };
  kernel: {
    mode: KernelMode | "none";
    reason?: string;
    version?: string;
    vmlinuz?: string;
    command?: string;
    emulated?: boolean;
    /** The image uses a compression this kernel was built without. */
    unsupported?: string[];
    timing?: Timing;
    unparsedLines?: string[];
    /** How the run differed from what was asked (e.g. KVM unusable, so emulated). */
    note?: string;
    /** Why the kernel's tree could not be read although the kernel ran. */
    treeMissing?: string;
    error?: string;
  };
  parity: (Parity & { xattrs: string; differencesNotListed: number }) | { compared: false; reason: string };
  tools: ToolReport[];
  machine: { cpus: number; node: string };
}

export function timing(runs: number[]): Timing {
  const sorted = [...runs].sort((a, b) => a - b);
  return { runs, median: sorted[Math.floor((sorted.length - 1) / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

const cap = (p: Parity) => ({ differences: p.differences.slice(0, PATHS_LISTED_MAX), differencesNotListed: Math.max(0, p.differences.length - PATHS_LISTED_MAX) });

export async function bench(imagePath: string, opts: BenchOptions): Promise<BenchReport> {
  // The tools run in their target directories: the image by its absolute path.
  const image = resolve(imagePath);
  if (!existsSync(image) || !statSync(image).isFile()) throw new CpioxError("CPIOX_INPUT", `cannot read ${image}: not a regular file`);
  const runs = opts.runs ?? 5;
  if (!Number.isInteger(runs) || runs < 1) throw new CpioxError("CPIOX_BAD_ARGUMENT", "--runs must be a positive integer");
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const all = peerTools(opts.cpiox);
  for (const t of tools) if (!all[t] || t === "cpiox") throw new CpioxError("CPIOX_BAD_ARGUMENT", `unknown tool ${JSON.stringify(t)} (bsdtar, busybox, gnu-cpio)`);
  const progress = opts.onProgress ?? (() => undefined);
  const { examine } = await import("../list/list.js");
  const ex = await examine(image);
  const members = ex.members.map((m) => ({ kind: m.kind, start: m.start, end: m.end }));
  const kinds = [...new Set(members.map((m) => m.kind))];
  const uncompressed = ex.members.reduce((n, m) => n + m.uncompressedSize, 0);
  const base = opts.workDir ?? (existsSync("/dev/shm") ? "/dev/shm" : process.env.TMPDIR ?? "/tmp");
  const work = mkdtempSync(join(base, "cpiox-bench-"));
  const root = process.getuid?.() === 0;
  try {
    const report: BenchReport = {
      schema: BENCH_SCHEMA,
      image: { path: imagePath, bytes: statSync(image).size, members },
      kernel: { mode: "none" },
      parity: { compared: false, reason: "" },
      tools: [],
      machine: { cpus: availableParallelism(), node: process.version },
    };
    // The kernel first: its tree is what every other one is compared with.
    let kernelManifest: Manifest | null = null;
    const wanted = opts.kernel ?? "auto";
    const chosen = wanted === "none" ? { none: "not asked for (--kernel none)" } : chooseKernel(wanted, opts.vmlinuz, opts.noKvm);
    if ("none" in chosen) {
      if (wanted === "uml" || wanted === "qemu") throw new CpioxError("CPIOX_BAD_ARGUMENT", `--kernel ${wanted}: ${chosen.none}`);
      report.kernel = { mode: "none", reason: chosen.none };
    } else {
      const unsupported = chosen.decompressors ? kinds.filter((k) => !chosen.decompressors!.has(k)) : [];
      report.kernel = { mode: chosen.mode, version: chosen.version, vmlinuz: chosen.vmlinuz, emulated: chosen.emulated };
      if (unsupported.length) {
        report.kernel.unsupported = unsupported;
        report.kernel.reason = `unsupported by this kernel: ${unsupported.map((k) => (k === "lz4-frame" ? "lz4 frame format (no kernel reads it)" : `${k} (built without CONFIG_RD_${k.toUpperCase()})`)).join(", ")}`;
      } else {
        const booted = join(work, "image-with-helper");
        await withHelper(image, findStaticBusybox(opts.busybox), booted, ex.bootconfig?.offset);
        // The image, its unpacked tree and the kernel itself must fit.
        const memory = Math.ceil((statSync(booted).size + 2 * uncompressed) / 2 ** 20) + 256;
        const times: number[] = [];
        let kernel = chosen;
        try {
          for (let i = 0; i < runs; i++) {
            progress(`kernel (${kernel.mode}${kernel.emulated ? ", emulated" : ""}) run ${i + 1} of ${runs}`);
            let run;
            try {
              run = await bootKernel(kernel, booted, memory, join(work, "console.log"));
            } catch (e) {
              if (!(e instanceof KvmStalled)) throw e;
              // KVM is there but runs nothing (a nested hypervisor): emulate, and say so.
              kernel = { ...kernel, emulated: true };
              report.kernel.emulated = true;
              report.kernel.note = `${e.message}; emulated instead`;
              i--;
              continue;
            }
            times.push(run.seconds);
            kernelManifest = run.manifest;
            if (run.treeMissing) report.kernel.treeMissing = run.treeMissing;
            report.kernel.command = run.command;
            if (run.unparsed.length) report.kernel.unparsedLines = run.unparsed.slice(0, PATHS_LISTED_MAX);
          }
          report.kernel.timing = timing(times);
        } catch (e) {
          report.kernel.error = (e as Error).message;
        } finally {
          rmSync(booted, { force: true });
        }
      }
    }
    // Which member makes each path (the last entry naming it wins), to tell a tool that stopped
    // early from one that unpacked differently.
    const memberOf = new Map<string, number>();
    if (members.length > 1 && kernelManifest) {
      const { entries } = await import("../list/entries.js");
      const { joinParts, splitName } = await import("../kernel/names.js");
      for await (const e of entries(image, { keepMetadataFiles: true })) memberOf.set(joinParts(splitName(e.name)).toString("latin1") || ".", e.member);
    }
    // The userspace tools, runs interleaved so that a noisy moment hits all of them alike.
    const chosenTools = ["cpiox", ...tools].map((t) => all[t]);
    const target = join(work, "target");
    const commands = chosenTools.map((t) => t.command(image, members[0]?.kind ?? "cpio"));
    const times = chosenTools.map((): number[] => []);
    const trees: (Manifest | null)[] = chosenTools.map(() => null);
    for (let i = 0; i < runs; i++) {
      for (const [n, t] of chosenTools.entries()) {
        const c = commands[n];
        if (typeof c !== "string") continue;
        progress(`${t.name} run ${i + 1} of ${runs}`);
        times[n].push(await timeCommand(c, target));
        // Each tool's tree from its last run, read before the next tool takes the target.
        if (i === runs - 1 && kernelManifest) trees[n] = await manifestOfTree(target);
      }
    }
    for (const [n, t] of chosenTools.entries()) {
      const c = commands[n];
      if (typeof c !== "string") {
        report.tools.push({ tool: t.name, unavailable: c.unavailable, treeEqualsKernel: null });
        continue;
      }
      const entry: ToolReport = { tool: t.name, command: c, ...timing(times[n]), treeEqualsKernel: null };
      const kernelTime = report.kernel.timing?.median;
      entry.ratioToKernel = kernelTime ? entry.median! / kernelTime : null;
      const tree = trees[n];
      if (kernelManifest && tree) {
        const p = compareManifests(kernelManifest, tree, { ignoreOwner: !root });
        entry.treeEqualsKernel = p.identical;
        Object.assign(entry, cap(p));
        if (members.length > 1) {
          const missed = new Set(p.differences.filter((d) => d.kind === "missing").map((d) => memberOf.get(d.path) ?? 0).filter((m) => m > 0));
          entry.readEveryMember = missed.size === 0;
          if (missed.size) entry.membersMissed = [...missed].sort((a, b) => a - b);
        }
        if (t.name === "cpiox") {
          report.parity = { ...p, ...cap(p), xattrs: "not compared: the booted kernel applies no xattrs (cpiox ran with --no-xattrs --keep-metadata-files, as the kernel unpacks)" };
        }
      }
      report.tools.push(entry);
    }
    if (!kernelManifest) {
      report.parity = { compared: false, reason: report.kernel.error ?? report.kernel.treeMissing ?? report.kernel.reason ?? "no kernel tree" };
    }
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
