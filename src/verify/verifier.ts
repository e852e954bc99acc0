// The verify sink: consumes the same entry stream as extraction, hashes file data as it passes,
// models the tree the kernel would build and turns what it sees into policy findings.
import { createHash, type Hash } from "node:crypto";
import type { Entry, Xattr } from "../entries.js";
import { modeWarnings, octalPermissions } from "../kernel/modes.js";
import { CpioxError, type Warning, type WarningCode } from "../errors.js";
import type { BodySink } from "../core/body.js";
import type { XattrListPath } from "../core/xattr-list-file.js";
import type { MemberInfo } from "../members/splitter.js";
import { invalidXattr } from "../kernel/xattrs.js";
import { isMetadataFile } from "../core/metadata-file.js";
import { appraise, digestNeeded, type ImaStatus } from "./ima.js";
import type { ImaKey } from "./keys.js";
import { compareManifests, escapeBytes, manifestRow, unescapeKey, type ManifestRow } from "./manifest.js";
import type { CompiledPolicy } from "./policy.js";
import type { Finding, ImaResult, VerifyReport } from "./report.js";
import { climbsAboveRoot, normalizedParts, TreeModel, type Inode, type PathNode } from "./tree-model.js";
import type { RuleCode } from "./rules.js";

/** The last file's data is kept up to this size, so a METADATA!!! right after it can ask for another digest. */
export const REHASH_HOLD_MAX = 16 << 20;
/** Findings kept per rule; past it they are only counted, so a hostile image cannot grow the report without bound. */
export const FINDINGS_PER_RULE_MAX = 1000;
const IMA = "security.ima";

/** The xattr of that name, if the list has it (names are bytes; these are ASCII). */
const xattrNamed = (xattrs: Xattr[] | null, name: string) => xattrs?.find((x) => x.name.toString("latin1") === name);

const WARNING_RULES: Partial<Record<WarningCode, RuleCode | null>> = {
  CPIOX_NAME_SIZE: "CPIOX_RULE_KERNEL_SKIPS",
  CPIOX_SYMLINK_TOO_LONG: "CPIOX_RULE_KERNEL_SKIPS",
  CPIOX_DATA_ON_SPECIAL: "CPIOX_RULE_KERNEL_SKIPS",
  CPIOX_KERNEL_XZ_CHECK: "CPIOX_RULE_KERNEL_INCOMPATIBLE",
  CPIOX_KERNEL_LZ4_FRAME: "CPIOX_RULE_KERNEL_INCOMPATIBLE",
  CPIOX_KERNEL_LZO: "CPIOX_RULE_KERNEL_INCOMPATIBLE",
  CPIOX_KERNEL_OLD_GZIP: "CPIOX_RULE_KERNEL_INCOMPATIBLE",
  CPIOX_KERNEL_GZIP_FLAGS: "CPIOX_RULE_KERNEL_INCOMPATIBLE",
  CPIOX_HTTP_RETRY: null, // about the network, not the image
};

/** Warnings that mean the image is damaged: verify calls it malformed even though the kernel reads on. */
const DAMAGE: ReadonlySet<WarningCode> = new Set(["CPIOX_TRUNCATED", "CPIOX_GZIP_CRC"]);

export interface VerifierOptions {
  policy: CompiledPolicy;
  imaKeys: readonly ImaKey[];
  /** A manifest to compare the image with (--against). */
  against?: Map<string, ManifestRow>;
  /** Build the image's manifest (--manifest); it is built anyway when `against` is given. */
  manifest?: boolean;
  /** Passes on warnings that are not about the image (HTTP retries). */
  onwarn?: (w: Warning) => void;
}

/** Where a finding points; null for what is image-wide. */
type Where = { path?: string | null; member?: number | null; offset?: number | null };

export class Verifier {
  readonly findings: Finding[] = [];
  /** Per rule, the findings past FINDINGS_PER_RULE_MAX (counted, not kept). */
  readonly suppressed: Partial<Record<RuleCode, number>> = {};
  private readonly perRule = new Map<RuleCode, number>();
  /** The first warning that shows the image is damaged, if any. */
  damage: Warning | null = null;
  private readonly model = new TreeModel();
  private readonly nodeOf = new WeakMap<Entry, PathNode>();
  /** Hashes computed for every file: sha256 (manifest) and those security.ima values asked for so far. */
  private readonly hashes = new Set<string>(["sha256"]);
  private held: { inode: Inode; chunks: Buffer[]; size: number } | null = null;
  private readonly counts: VerifyReport["counts"] = {
    entries: 0, files: 0, directories: 0, symlinks: 0, devices: 0, fifos: 0, sockets: 0, hardlinks: 0, dataBytes: 0, xattrs: 0,
  };
  private modelling = true;
  /** The limit rule that stopped the read (a limit rated "error" ends it at once). */
  stopped: RuleCode | null = null;
  /** Error-severity findings made, kept or suppressed. */
  errors = 0;
  private totalReported = false;

  constructor(private readonly opts: VerifierOptions) {}

  /** Records a finding; returns it, or null when the rule is off or past its listed maximum. */
  private find(rule: RuleCode, message: string, at: Where | null): Finding | null {
    const severity = this.opts.policy.rules[rule];
    if (severity === "off") return null;
    const n = (this.perRule.get(rule) ?? 0) + 1;
    this.perRule.set(rule, n);
    if (severity === "error") this.errors++;
    if (n > FINDINGS_PER_RULE_MAX) {
      this.suppressed[rule] = n - FINDINGS_PER_RULE_MAX;
      return null;
    }
    const finding: Finding = { rule, severity, message, path: at?.path ?? null, member: at?.member ?? null, offset: at?.offset ?? null };
    this.findings.push(finding);
    return finding;
  }

  /**
   * A limit passed. Rated "error", it has already failed the image: reading on would only spend
   * time and memory on a hostile stream, so the read ends here (the report says fail, not
   * malformed). Otherwise the finding says what happens instead (`otherwise`), and reading goes on.
   */
  private limitPassed(rule: "CPIOX_RULE_LIMIT_ENTRIES" | "CPIOX_RULE_LIMIT_TOTAL_SIZE", what: string, at: Where, otherwise?: string): void {
    const stops = this.opts.policy.rules[rule] === "error";
    const then = stops ? "the read stops here" : otherwise;
    const finding = this.find(rule, then ? `${what}; ${then}` : what, at);
    if (!stops) return;
    this.stopped = rule;
    throw new CpioxError("CPIOX_VERIFY_FAILED", `${rule}: ${finding?.message ?? what}`);
  }

  warn = (w: Warning): void => {
    if (DAMAGE.has(w.code)) {
      this.damage ??= w;
      return;
    }
    const rule = WARNING_RULES[w.code];
    if (rule === null) {
      this.opts.onwarn?.(w);
      return;
    }
    this.find(rule ?? "CPIOX_RULE_ARCHIVE_WARNING", `${w.code}: ${w.message}`,
      { path: w.entry, member: w.member, offset: w.offset });
  };

  memberStart = (m: MemberInfo): void => {
    if (!this.opts.policy.compressions.includes(m.kind)) {
      this.find("CPIOX_RULE_COMPRESSION", `member ${m.index} is ${m.kind}, not one of ${this.opts.policy.compressions.join(", ")}`,
        { member: m.index, offset: m.start });
    }
  };

  entry = (e: Entry): BodySink | null => {
    // With --keep-metadata-files a METADATA!!! file is also an entry: the file before it stays held.
    const metadataFile = isMetadataFile(e);
    if (!metadataFile) this.held = null;
    if (e.type === "trailer") {
      this.model.trailer();
      return null;
    }
    const { policy } = this.opts;
    const c = this.counts;
    c.entries++;
    if (c.entries === policy.limits.entries + 1) {
      this.limitPassed("CPIOX_RULE_LIMIT_ENTRIES", `more than ${policy.limits.entries} entries`, e, "later entries are counted but not modelled");
      this.modelling = false;
    }
    const parts = normalizedParts(e.name);
    this.checkEntry(e, parts);
    this.count(e);
    if (!this.modelling) return null;
    const placed = this.model.place(e, parts);
    for (const f of placed.findings) this.find(STRUCTURAL[f.kind], f.message, e);
    const node = placed.node;
    if (!node) return null;
    this.nodeOf.set(e, node);
    if (placed.linked) c.hardlinks++;
    if (e.xattrs?.length) this.addXattrs(node, e.xattrs, e);
    if (e.type !== "file" || e.size === 0) return null;
    return this.hashBody(node.inode, e.size, !metadataFile);
  };

  /** Rules about the entry itself, whatever the tree holds. */
  private checkEntry(e: Entry, parts: readonly Buffer[]): void {
    const { policy } = this.opts;
    if (!policy.formats.includes(e.format)) this.find("CPIOX_RULE_FORMAT", `a ${e.format} header; allowed: ${policy.formats.join(", ")}`, e);
    if (e.name[0] === 0x2f) this.find("CPIOX_RULE_ABSOLUTE_NAME", "the name is absolute", e);
    if (e.name.includes(0x2e) && /(^|\/)\.\.(\/|$)/.test(e.name.toString("latin1"))) {
      this.find("CPIOX_RULE_DOT_DOT", "the name has a \"..\" component", e);
    }
    if (parts.length > policy.limits.pathDepth) this.find("CPIOX_RULE_LIMIT_PATH_DEPTH", `${parts.length} components, limit ${policy.limits.pathDepth}`, e);
    if (e.type === "char" || e.type === "block") {
      this.find("CPIOX_RULE_DEVICE_NODE", `a ${e.type} device ${e.rdevMajor}:${e.rdevMinor}`, e);
    }
    // The same warnings the extract sink raises, as findings.
    for (const w of modeWarnings(e)) this.warn({ ...w, entry: e.path, member: e.member, offset: e.offset });
    if (e.type === "file" && e.mode & 0o6000) {
      this.find("CPIOX_RULE_SETUID", `mode ${octalPermissions(e.mode)} (${e.mode & 0o4000 ? "setuid" : "setgid"})`, e);
    }
    if (e.type !== "symlink" && e.mode & 0o002 && !(e.mode & 0o1000)) {
      this.find("CPIOX_RULE_WORLD_WRITABLE", `mode ${octalPermissions(e.mode)} is world-writable without the sticky bit`, e);
    }
    if (e.type === "file") {
      if (e.size > policy.limits.fileSize) this.find("CPIOX_RULE_LIMIT_FILE_SIZE", `${e.size} bytes, limit ${policy.limits.fileSize}`, e);
      this.counts.dataBytes += e.size;
      if (this.counts.dataBytes > policy.limits.totalSize && !this.totalReported) {
        this.totalReported = true;
        this.limitPassed("CPIOX_RULE_LIMIT_TOTAL_SIZE", `more than ${policy.limits.totalSize} bytes of file data`, e);
      }
    }
    if (e.type === "symlink" && e.linkTarget && climbsAboveRoot(parts, e.linkTarget)) {
      this.find("CPIOX_RULE_SYMLINK_ESCAPE", `target ${JSON.stringify(e.linkTarget.toString("latin1"))} climbs above the root`, e);
    }
  }

  /** Entries by type as read; hard links are the entries that joined an earlier inode. */
  private count(e: Entry): void {
    const c = this.counts;
    switch (e.type) {
      case "file": c.files++; break;
      case "directory": c.directories++; break;
      case "symlink": c.symlinks++; break;
      case "char": case "block": c.devices++; break;
      case "fifo": c.fifos++; break;
      case "socket": c.sockets++; break;
      default: break;
    }
  }

  private hashBody(inode: Inode, size: number, keep: boolean): BodySink {
    const names = [...this.hashes];
    const hashes: Hash[] = names.map((n) => createHash(n));
    const hold = keep && size <= REHASH_HOLD_MAX ? { inode, chunks: [] as Buffer[], size } : null;
    return {
      write(chunk) {
        for (const h of hashes) h.update(chunk);
        hold?.chunks.push(Buffer.from(chunk)); // the chunk is a view into the input, valid only now
      },
      end: () => {
        // A plain object: one small record per file, where a Map would cost several times more.
        const digests: Record<string, string> = {};
        names.forEach((n, i) => { digests[n] = hashes[i].digest("hex"); });
        inode.digests = digests;
        if (keep) this.held = hold;
      },
    };
  }

  /** Xattrs for a node, from any encoding: checked against the policy, and learnt for hashing. */
  private addXattrs(node: PathNode, xattrs: Xattr[], at: Where): void {
    const { policy } = this.opts;
    if (!node.inode.xattrs && xattrs.length) this.counts.xattrs++;
    for (const x of xattrs) {
      const name = x.name.toString("latin1");
      const bad = invalidXattr(x);
      if (bad) this.find("CPIOX_RULE_XATTR_INVALID", `${JSON.stringify(name)}: ${bad}`, at);
      const ns = name.slice(0, Math.max(0, name.indexOf(".")));
      if (!policy.xattrNamespaces.includes(ns)) this.find("CPIOX_RULE_XATTR_NAMESPACE", `${JSON.stringify(name)} is outside ${policy.xattrNamespaces.join(", ")}`, at);
      if (x.value.length > policy.limits.xattrSize) this.find("CPIOX_RULE_LIMIT_XATTR_SIZE", `${JSON.stringify(name)} is ${x.value.length} bytes, limit ${policy.limits.xattrSize}`, at);
      // A later value of the same name replaces the earlier one, as setxattr does.
      node.inode.xattrs = [...(node.inode.xattrs ?? []).filter((o) => !o.name.equals(x.name)), x];
      if (name === IMA) this.learnDigest(node.inode, x.value);
    }
  }

  /** Hashes files from now on in the algorithm a security.ima value needs; returns it. */
  private learnHash(value: Buffer): string | null {
    const hash = digestNeeded(value);
    if (hash) this.hashes.add(hash);
    return hash;
  }

  /** learnHash, and the held file hashed again if it is the one the value is for. */
  private learnDigest(inode: Inode, value: Buffer): void {
    const hash = this.learnHash(value);
    if (!hash) return;
    if (inode.type !== "file" || inode.size === 0 || inode.digests?.[hash] !== undefined) return;
    if (this.held?.inode === inode && inode.digests) {
      const h = createHash(hash);
      for (const c of this.held.chunks) h.update(c);
      inode.digests[hash] = h.digest("hex");
    }
  }

  /** An image must hold entries, something the kernel can run as init, and every required path. */
  private checkBootable(nodes: PathNode[]): void {
    if (this.stopped) return; // the tree was not read whole
    if (this.counts.entries === 0) {
      this.find("CPIOX_RULE_EMPTY_IMAGE", "the image holds no entries: nothing to unpack, nothing to boot", null);
    } else if (!INIT_CANDIDATES.some((path) => this.isExecutableFile(path))) {
      this.find("CPIOX_RULE_NO_INIT", `no executable file at ${INIT_CANDIDATES.map((p) => `/${p}`).join(", ")}: the kernel would find nothing to run`, null);
    }
    for (const { pattern, match } of this.opts.policy.pathGlobs) {
      if (!nodes.some((n) => match(n.key))) this.find("CPIOX_RULE_PATH_REQUIRED", `no path matches ${JSON.stringify(pattern)}`, null);
    }
  }

  /** A regular file with an execute bit at path, through symlinks resolved inside the image. */
  private isExecutableFile(path: string): boolean {
    let node = this.model.paths.get(path);
    if (node?.inode.type === "symlink") node = this.model.resolveTarget(node) ?? undefined;
    return node?.inode.type === "file" && (node.inode.mode & 0o111) !== 0;
  }

  metadata = (target: Entry, xattrs: Xattr[], from: Entry): void => {
    const node = this.nodeOf.get(target);
    if (node) this.addXattrs(node, xattrs, from);
  };

  xattrListRead = (paths: XattrListPath[]): void => {
    // Every value, not just the first: a repeated name's last value is the one that applies.
    for (const p of paths) for (const x of p.xattrs) if (x.name.toString("latin1") === IMA) this.learnHash(x.value);
  };

  xattrList = (paths: XattrListPath[], from: Entry): void => {
    for (const { path, xattrs } of paths) {
      const node = this.model.lookup(path);
      if (node) this.addXattrs(node, xattrs, from);
      else this.warn({ code: "CPIOX_XATTR_LIST_MISSING", message: `.xattr-list names ${JSON.stringify(escapeBytes(path))}, which the image does not hold`, member: from.member, offset: from.offset, entry: from.path });
    }
  };

  /** After the whole image: rules over the final tree, IMA appraisal, the manifest. */
  finish(): {
    findings: Finding[]; suppressed: VerifyReport["suppressed"]; errors: number; ima: VerifyReport["ima"]; manifest: ManifestRow[] | null;
    counts: VerifyReport["counts"];
    /** The modelled tree's paths, sorted as the manifest's rows (hard links share an Inode object). */
    nodes: readonly PathNode[];
  } {
    const { policy } = this.opts;
    const nodes = [...this.model.paths.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key, "latin1"), Buffer.from(b.key, "latin1")));
    const summary: Record<ImaStatus, number> = { valid: 0, "bad-digest": 0, "bad-signature": 0, "unknown-key": 0, unsupported: 0, malformed: 0 };
    const results: ImaResult[] = [];
    for (const node of nodes) {
      const { inode, entry: at } = node;
      if (inode.type === "symlink" && policy.rules.CPIOX_RULE_DANGLING_SYMLINK !== "off" && !this.model.resolveTarget(node)) {
        this.find("CPIOX_RULE_DANGLING_SYMLINK", `target ${JSON.stringify(inode.linkTarget?.toString("latin1"))} is not in the image`, at);
      }
      for (const { req, match } of policy.xattrGlobs) {
        if (!req.types.includes(inode.type) || !match(node.key)) continue;
        const missing = req.names.filter((n) => !xattrNamed(inode.xattrs, n));
        if (missing.length) this.find("CPIOX_RULE_XATTR_REQUIRED", `matches ${JSON.stringify(req.path)} but has no ${missing.join(", ")}`, at);
      }
      let signed = false;
      const ima = inode.type === "file" ? xattrNamed(inode.xattrs, IMA) : undefined;
      if (ima) {
        const check = appraise(ima.value, (h) => fileDigest(inode, h), this.opts.imaKeys);
        summary[check.status]++;
        results.push({ ...check, path: at.path, member: at.member, offset: at.offset });
        signed = check.kind === "signature" && check.status === "valid";
        const detail = `${check.kind} (${check.algorithm ?? "?"}${check.keyId ? `, key ${check.keyId}` : ""}): ${check.status}${check.detail ? `: ${check.detail}` : ""}`;
        if (check.status === "bad-digest" || check.status === "bad-signature" || check.status === "malformed") this.find("CPIOX_RULE_IMA_INVALID", detail, at);
        else if (check.status === "unknown-key" && this.opts.imaKeys.length) this.find("CPIOX_RULE_IMA_UNKNOWN_KEY", detail, at);
        else if (check.status === "unsupported") this.find("CPIOX_RULE_IMA_UNSUPPORTED", detail, at);
      }
      if (inode.type === "file" && !signed && policy.imaGlobs.some((g) => g(node.key))) {
        this.find("CPIOX_RULE_IMA_REQUIRED", ima ? "its IMA signature is not valid" : "it has no security.ima signature", at);
      }
    }
    this.checkBootable(nodes);
    const manifest = this.opts.manifest || this.opts.against ? nodes.map(manifestRow) : null;
    if (this.opts.against) {
      for (const d of compareManifests(this.opts.against, manifest!)) {
        const node = this.model.paths.get(unescapeKey(d.path));
        const at = node?.entry ?? { path: d.path };
        if (d.kind === "added") this.find("CPIOX_RULE_MANIFEST_ADDED", "not in the manifest", at);
        else if (d.kind === "removed") this.find("CPIOX_RULE_MANIFEST_REMOVED", "in the manifest, not in the image", at);
        else this.find("CPIOX_RULE_MANIFEST_CHANGED", d.fields!.map((f) => `${f.field} ${f.expected} -> ${f.actual}`).join("; "), at);
      }
    }
    return { findings: this.findings, suppressed: this.suppressed, errors: this.errors, ima: { summary, results }, manifest, counts: this.counts, nodes };
  }
}

/** What the kernel tries to run: rdinit's default /init, then (after mounting a root) these. */
export const INIT_CANDIDATES = ["init", "sbin/init", "etc/init", "bin/init", "bin/sh"];

/** A file's digest in `hash`: computed while its data streamed, or of nothing for an empty file. */
function fileDigest(inode: Inode, hash: string): Buffer | undefined {
  if (inode.size === 0) return createHash(hash).digest();
  const hex = inode.digests?.[hash];
  return hex === undefined ? undefined : Buffer.from(hex, "hex");
}

const STRUCTURAL = {
  overwrite: "CPIOX_RULE_OVERWRITE",
  "through-symlink": "CPIOX_RULE_THROUGH_SYMLINK",
  "missing-parent": "CPIOX_RULE_MISSING_PARENT",
  "hardlink-across": "CPIOX_RULE_HARDLINK_ACROSS_MEMBERS",
  "kernel-skips": "CPIOX_RULE_KERNEL_SKIPS",
} as const satisfies Record<string, RuleCode>;
