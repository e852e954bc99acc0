// The bench report for people: a table of times and trees, and an SVG bar chart of the medians
// with min/max whiskers.
import type { BenchReport, Timing } from "./index.js";
import type { PathDifference } from "./compare.js";
import { humanSize } from "../cli/format.js";

/** Differing paths a peer's text report shows (the JSON lists up to PATHS_LISTED_MAX). */
export const PEER_PATHS_SHOWN = 10;

const secs = (s: number | undefined) => (s === undefined ? "-" : `${s.toFixed(3)} s`);
const shown = (v: unknown) => (v === null || v === undefined ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v));

function differenceLines(differences: PathDifference[], notListed: number, indent: string): string[] {
  const lines = differences.map((d) => `${indent}${d.path}: ${d.kind === "differs"
    ? d.fields.map((f) => `${f.field} kernel ${shown(f.kernel)}, here ${shown(f.other)}`).join("; ")
    : d.kind === "missing" ? "only in the kernel's tree" : "not in the kernel's tree"}`);
  if (notListed > 0) lines.push(`${indent}... and ${notListed} more`);
  return lines;
}

export function formatBench(r: BenchReport): string {
  const out: string[] = [];
  out.push(`image: ${r.image.path}, ${humanSize(r.image.bytes)}, members: ${r.image.members.map((m) => m.kind).join(" + ") || "none"}`);
  const k = r.kernel;
  if (k.mode === "none") out.push(`kernel: not booted (${k.reason})`);
  else {
    const how = k.mode === "uml" ? "user-mode-linux (native speed)" : k.emulated ? "qemu without KVM: EMULATED time, not comparable to native ones" : "qemu with KVM";
    out.push(`kernel: Linux ${k.version} under ${how}${k.vmlinuz ? `, ${k.vmlinuz}` : ""}; populate_rootfs timed by initcall_debug, initramfs_async=0`);
    if (k.reason) out.push(`  not timed: ${k.reason}`);
    if (k.note) out.push(`  note: ${k.note}`);
    if (k.treeMissing) out.push(`  tree not read: ${k.treeMissing}`);
    if (k.error) out.push(`  failed: ${k.error}`);
  }
  const rows: [string, Partial<Timing>, string, string][] = [];
  if (k.timing) rows.push([k.emulated ? "kernel (emulated)" : "kernel", k.timing, "1.00x", "-"]);
  for (const t of r.tools) {
    if (t.unavailable) {
      rows.push([t.tool, {}, "-", `not run: ${t.unavailable}`]);
      continue;
    }
    const ratio = t.ratioToKernel ? `${t.ratioToKernel.toFixed(2)}x` : "-";
    const missed = t.membersMissed?.length ? `; did not read member${t.membersMissed.length > 1 ? "s" : ""} ${t.membersMissed.join(", ")}` : "";
    const tree = t.treeEqualsKernel === null ? "not compared" : t.treeEqualsKernel ? "yes" : `no (${(t.differences?.length ?? 0) + (t.differencesNotListed ?? 0)} paths${missed})`;
    rows.push([t.tool, t, ratio, tree]);
  }
  out.push("");
  out.push("| tool | median | min | max | time / kernel's | tree equal to the kernel's |");
  out.push("|---|---:|---:|---:|---:|---|");
  for (const [name, t, ratio, tree] of rows) out.push(`| ${name} | ${secs(t.median)} | ${secs(t.min)} | ${secs(t.max)} | ${ratio} | ${tree} |`);
  const runs = r.tools.find((t) => t.runs)?.runs?.length ?? k.timing?.runs.length ?? 0;
  out.push("", `${runs} run(s) each, whole process for the userspace tools (tmpfs target); ${r.machine.cpus} CPUs, Node ${r.machine.node}`);
  if ("identical" in r.parity) {
    out.push("", r.parity.identical
      ? `parity: identical (${r.parity.compared} paths compared field by field)`
      : `parity: ${r.parity.differences.length + (r.parity.differencesNotListed ?? 0)} paths differ between the kernel's tree and cpiox's:`);
    out.push(...differenceLines(r.parity.differences, r.parity.differencesNotListed ?? 0, "  "));
    for (const n of r.parity.notCompared) out.push(`  not compared: ${n.path}${n.field ? ` ${n.field}` : ""} (${n.why})`);
    out.push(`  xattrs ${r.parity.xattrs}`);
  } else {
    out.push("", `parity: not judged (${r.parity.reason})`);
  }
  for (const t of r.tools) {
    if (t.tool === "cpiox" || !t.differences?.length) continue;
    // Peers: what differs, counted by field, and the first few paths (--json lists more).
    const byField = new Map<string, number>();
    for (const d of t.differences) for (const f of d.kind === "differs" ? d.fields.map((x) => x.field) : [d.kind]) byField.set(f, (byField.get(f) ?? 0) + 1);
    const shownPaths = t.differences.slice(0, PEER_PATHS_SHOWN);
    out.push("", `${t.tool}: tree differs from the kernel's (${[...byField].map(([f, n]) => `${f} ${n}`).join(", ")}${t.differencesNotListed ? ", among the first listed" : ""}):`,
      ...differenceLines(shownPaths, t.differences.length - shownPaths.length + (t.differencesNotListed ?? 0), "  "));
  }
  return out.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A horizontal bar per tool: the median, with a whisker from min to max, and the value. */
export function benchChart(r: BenchReport): string {
  const bars: { label: string; t: Timing; emulated?: boolean }[] = [];
  if (r.kernel.timing) bars.push({ label: r.kernel.emulated ? "kernel (emulated)" : "kernel", t: r.kernel.timing, emulated: r.kernel.emulated });
  for (const t of r.tools) if (t.median !== undefined) bars.push({ label: t.tool, t: t as Timing });
  const labelWidth = 150, plotWidth = 520, barHeight = 26, gap = 14, top = 56, width = labelWidth + plotWidth + 90;
  const height = top + bars.length * (barHeight + gap) + 40;
  const most = Math.max(...bars.map((b) => b.t.max), 1e-6);
  const x = (s: number) => labelWidth + (s / most) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(`Unpacking ${r.image.path.split("/").pop()} (${humanSize(r.image.bytes)}, ${r.image.members.map((m) => m.kind).join(" + ")})`)}</text>`,
    `<text x="12" y="42" fill="#555">${esc(`median of ${bars[0]?.t.runs.length ?? 0} runs, whiskers min to max, seconds; shorter is faster`)}</text>`,
  ];
  // Grid lines at round values.
  const step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].find((s) => most / s <= 6) ?? 100;
  for (let v = 0; v <= most + 1e-9; v += step) {
    parts.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${height - 30}" stroke="#e3e3e3"/>`,
      `<text x="${x(v).toFixed(1)}" y="${height - 14}" text-anchor="middle" fill="#555">${+v.toFixed(3)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * (barHeight + gap);
    const mid = y + barHeight / 2;
    const fill = b.label.startsWith("kernel") ? "#8a5cc2" : b.label === "cpiox" ? "#2a7ab0" : "#9aa5ae";
    parts.push(
      `<g class="bar" data-tool="${esc(b.label)}" data-median="${b.t.median}" data-min="${b.t.min}" data-max="${b.t.max}">`,
      `<text x="${labelWidth - 10}" y="${mid + 4}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${(x(b.t.median) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${fill}"${b.emulated ? ` fill-opacity="0.45"` : ""}/>`,
      `<line x1="${x(b.t.min).toFixed(1)}" y1="${mid}" x2="${x(b.t.max).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
      `<line x1="${x(b.t.min).toFixed(1)}" y1="${mid - 6}" x2="${x(b.t.min).toFixed(1)}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/>`,
      `<line x1="${x(b.t.max).toFixed(1)}" y1="${mid - 6}" x2="${x(b.t.max).toFixed(1)}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${(x(b.t.max) + 8).toFixed(1)}" y="${mid + 4}">${b.t.median.toFixed(3)} s</text>`,
      `</g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
