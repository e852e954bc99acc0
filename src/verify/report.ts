// The verify report: a versioned JSON object (schema in the README) and its human summary.
import type { MemberInfo } from "../members/splitter.js";
import type { ImaCheck, ImaStatus } from "./ima.js";
import type { RuleCode } from "./rules.js";

// Version 2: result "unreadable", and image.sha256 null when the image was not read whole.
export const REPORT_SCHEMA = "cpiox-verify/2";

export interface Finding {
  rule: RuleCode;
  severity: "error" | "warn";
  message: string;
  /** The entry's name as printable text, or null for image-wide findings. */
  path: string | null;
  member: number | null;
  /** The entry header's offset in its member's stream (as in errors and warnings). */
  offset: number | null;
}

export interface ImaResult extends ImaCheck {
  path: string;
  member: number;
  offset: number;
}

export interface VerifyReport {
  schema: typeof REPORT_SCHEMA;
  /**
   * pass: no error finding; fail: the policy is violated; malformed: the image is damaged;
   * unreadable: the input could not be opened or read (a missing file, a directory, HTTP failed).
   */
  result: "pass" | "fail" | "malformed" | "unreadable";
  policy: string;
  /** sha256: of every byte of the image; null when it was not read whole (unreadable, or a limit stopped the read). */
  image: { size: number; sha256: string | null };
  members: Pick<MemberInfo, "index" | "kind" | "start" | "end" | "uncompressedSize" | "entries">[];
  counts: {
    entries: number; files: number; directories: number; symlinks: number; devices: number;
    fifos: number; sockets: number; hardlinks: number; dataBytes: number; xattrs: number;
  };
  findings: Finding[];
  /** Findings past the first 1000 of a rule, counted per rule (not listed). */
  suppressed: Partial<Record<RuleCode, number>>;
  /** Every security.ima on a regular file of the final tree, by path. */
  ima: { summary: Record<ImaStatus, number>; results: ImaResult[] };
  error: { code: string; message: string; member: number | null; offset: number | null } | null;
}

export const EXIT_PASS = 0;
export const EXIT_POLICY = 1;
export const EXIT_MALFORMED = 2;

export function exitCode(r: VerifyReport): number {
  return r.result === "pass" ? EXIT_PASS : r.result === "fail" ? EXIT_POLICY : EXIT_MALFORMED;
}

/** A few lines for people: verdict, image, counts, every finding, IMA totals. */
export function summarize(r: VerifyReport): string {
  const lines: string[] = [];
  const c = r.counts;
  const digest = r.image.sha256 ? `sha256 ${r.image.sha256}` : "no digest (not read whole)";
  lines.push(r.result === "unreadable"
    ? `UNREADABLE: policy ${r.policy}`
    : `${r.result.toUpperCase()}: ${r.image.size} bytes, ${digest}, policy ${r.policy}`);
  lines.push(`members: ${r.members.map((m) => `${m.index}:${m.kind}@${m.start}`).join(" ") || "none"}`);
  lines.push(`entries ${c.entries}: ${c.files} files (${c.dataBytes} bytes), ${c.directories} directories, ${c.symlinks} symlinks, ` +
    `${c.devices} devices, ${c.fifos} fifos, ${c.sockets} sockets, ${c.hardlinks} hard links; ${c.xattrs} with xattrs`);
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const more = Object.values(r.suppressed).reduce((a, b) => a + (b ?? 0), 0);
  lines.push(`findings: ${errors} errors, ${r.findings.length - errors} warnings${more ? `, and ${more} more not listed` : ""}`);
  for (const f of r.findings) {
    const where = [f.path !== null ? JSON.stringify(f.path) : null, f.member !== null ? `member ${f.member}` : null,
      f.offset !== null ? `offset ${f.offset}` : null].filter(Boolean).join(", ");
    lines.push(`  ${f.severity} ${f.rule}${where ? ` (${where})` : ""}: ${f.message}`);
  }
  const s = r.ima.summary;
  for (const [rule, n] of Object.entries(r.suppressed)) lines.push(`  ... ${n} more ${rule} not listed`);
  if (r.ima.results.length) {
    lines.push(`ima: ${r.ima.results.length} files: ${Object.entries(s).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ")}`);
  }
  if (r.error) lines.push(`error: ${r.error.message}`);
  return `${lines.join("\n")}\n`;
}
