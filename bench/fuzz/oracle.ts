// Runs one input through list, examine, verify and extract (into a throwaway root beside decoys)
// and judges the outcome. A failure is anything but success or a CpioxError with a CPIOX code,
// verify throwing at all, more time than the budget, memory past the bound, or any change
// outside the extraction root.
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { extract, examine, list } from "../../src/index.js";
import { CpioxError } from "../../src/errors.js";
import { verify } from "../../src/verify/index.js";
import { removeTreeAt } from "../../src/extract/remove-tree.js";

/** Archive data one input may expand to: the bomb guard must stop a bomb well before memory suffers. */
export const FUZZ_MAX_SIZE = 32 << 20;
/**
 * Time one input may take through all four commands: a base, a cost per KiB of input, and one per
 * KiB of archive data it expands to (a small compressed input may hold megabytes of entries).
 */
export const TIME_BASE_MS = 5000;
export const TIME_PER_KIB_MS = 20;
export const TIME_PER_ARCHIVE_KIB_MS = 2;
/** Resident memory the fuzzing process may reach. */
export const MEMORY_BOUND = 1536 << 20;

export interface Verdict {
  ok: boolean;
  /** Why it failed, or the codes seen when it passed. */
  detail: string;
  codes: string[];
  ms: number;
}

/** A sandbox: the extraction root and, beside it, decoys an escape would change. */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  private readonly before: string;
  constructor(base: string) {
    this.dir = mkdtempSync(join(base, "cpiox-fuzz-"));
    this.root = join(this.dir, "root");
    const outside = join(this.dir, "outside");
    mkdirSync(join(outside, "etc"), { recursive: true });
    writeFileSync(join(outside, "victim"), "decoy");
    writeFileSync(join(outside, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    symlinkSync("/nonexistent-target", join(outside, "link"));
    this.before = this.fingerprint();
  }

  /** Every path under the sandbox except the root's contents, with type, mode, size, content and target. */
  fingerprint(): string {
    const lines: string[] = [];
    const walk = (path: string, rel: string) => {
      const st = lstatSync(path);
      let what = `${rel} ${st.mode.toString(8)} ${st.size} ${st.uid}:${st.gid} ${st.mtimeMs}`;
      if (st.isFile()) what += ` ${createHash("sha1").update(readFileSync(path)).digest("hex")}`;
      lines.push(what);
      if (st.isDirectory() && rel !== "root") for (const n of readdirSync(path).sort()) walk(join(path, n), `${rel}/${n}`);
    };
    for (const n of readdirSync(this.dir).sort()) walk(join(this.dir, n), n);
    return lines.filter((l) => !l.startsWith("root ")).join("\n");
  }

  changedOutside(): boolean {
    return this.fingerprint() !== this.before;
  }

  /** The apparent size of the files under the root: never more than the archive data allowed. */
  rootBytes(): number {
    let total = 0;
    const walk = (path: string) => {
      let st;
      try {
        st = lstatSync(path);
      } catch {
        return; // past PATH_MAX: not reachable by path, and not worth a descriptor walk here
      }
      if (st.isFile()) total += st.size;
      if (st.isDirectory()) for (const n of readdirSync(path)) walk(join(path, n));
    };
    walk(this.root);
    return total;
  }

  clearRoot(): void {
    removeTreeAt(this.root);
  }
}

type Outcome = { code: string | null; failure: string | null };

async function settle(work: () => Promise<unknown>): Promise<Outcome> {
  try {
    await work();
    return { code: null, failure: null };
  } catch (e) {
    if (e instanceof CpioxError && /^CPIOX_[A-Z0-9_]+$/.test(e.code)) return { code: e.code, failure: null };
    return { code: null, failure: `not a coded error: ${(e as Error)?.stack ?? e}` };
  }
}

/** `resolvers`: which confinements extraction runs under (both by default; a campaign may alternate). */
export async function judge(bytes: Buffer, sandbox: Sandbox, resolvers: readonly ("openat2" | "userspace")[] = ["openat2", "userspace"]): Promise<Verdict> {
  const t0 = performance.now();
  const limits = { maxSize: FUZZ_MAX_SIZE, onwarn: () => undefined };
  const codes: string[] = [];
  const failures: string[] = [];
  const note = (what: string, o: Outcome) => {
    if (o.code) codes.push(`${what}:${o.code}`);
    if (o.failure) failures.push(`${what}: ${o.failure}`);
  };
  note("list", await settle(() => list(bytes, limits)));
  let archiveBytes = 0;
  note("examine", await settle(async () => {
    const { members } = await examine(bytes, limits);
    archiveBytes = members.reduce((sum, m) => sum + m.uncompressedSize, 0);
  }));
  // verify never throws for an image: whatever it is, the answer is a report.
  const v = await settle(async () => {
    const { report } = await verify(bytes, { maxSize: FUZZ_MAX_SIZE });
    if (!["pass", "fail", "malformed"].includes(report.result)) throw new Error(`verify result ${report.result}`);
    if (report.error && !/^CPIOX_/.test(report.error.code)) throw new Error(`verify error code ${report.error.code}`);
  });
  if (v.code) failures.push(`verify threw ${v.code} instead of reporting`);
  note("verify", v);
  for (const resolver of resolvers) {
    note(`extract-${resolver}`, await settle(() => extract(bytes, { ...limits, cwd: sandbox.root, resolver, makeParents: resolver === "userspace" })));
    if (sandbox.changedOutside()) failures.push(`extract (${resolver}) changed something outside the root`);
    const written = sandbox.rootBytes();
    if (written > FUZZ_MAX_SIZE) failures.push(`extract (${resolver}) left ${written} bytes of files, more than the ${FUZZ_MAX_SIZE} the archive may hold`);
    sandbox.clearRoot();
  }
  const ms = performance.now() - t0;
  const budget = TIME_BASE_MS + (bytes.length / 1024) * TIME_PER_KIB_MS + (archiveBytes / 1024) * TIME_PER_ARCHIVE_KIB_MS;
  if (ms > budget) failures.push(`took ${Math.round(ms)} ms, budget ${Math.round(budget)} ms`);
  const rss = process.memoryUsage().rss;
  if (rss > MEMORY_BOUND) failures.push(`resident memory ${rss >> 20} MiB, bound ${MEMORY_BOUND >> 20} MiB`);
  return { ok: failures.length === 0, detail: failures.join("; ") || codes.join(" "), codes, ms };
}
