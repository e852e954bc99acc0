// cpiox diff's text report: one line per added, removed or changed path, then the size growth
// and the shadowed paths, then a count line.
import { humanSize } from "../cli/format.js";
import type { DiffReport, ImageSide, SizeGrowth } from "./index.js";

const SHORT_DIGEST = 12;
const MICROCODE_DIR = "kernel/x86/microcode/";
const signed = (n: number) => `${n < 0 ? "-" : "+"}${humanSize(Math.abs(n))}`;
const sized = (n: number | null) => (n === null ? "-" : humanSize(n));

function describeSide(label: string, s: ImageSide): string {
  return `${label}: ${s.source}: ${s.members.length} member(s) (${s.members.map((m) => m.kind).join(" + ")}), ${s.paths} paths, ${humanSize(s.fileBytes)} in files`;
}

function growthLines(title: string, rows: SizeGrowth[], name: (g: SizeGrowth) => string): string[] {
  if (!rows.length) return [];
  const width = Math.max(...rows.map((g) => name(g).length));
  return [title, ...rows.map((g) => `  ${name(g).padEnd(width)}  ${sized(g.a)} -> ${sized(g.b)} (${signed(g.delta)})`)];
}

export function formatDiff(r: DiffReport): string {
  const lines = [describeSide("A", r.a), describeSide("B", r.b), ""];
  for (const p of r.removed) lines.push(`removed  ${p.path} (${p.type}${p.type === "file" ? `, ${humanSize(p.size)}` : ""})`);
  for (const p of r.added) lines.push(`added    ${p.path} (${p.type}${p.type === "file" ? `, ${humanSize(p.size)}` : ""})`);
  for (const c of r.changed) {
    const what = c.fields.map((f) => {
      const short = (v: string) => (f.field === "digest" ? `${v.slice(0, SHORT_DIGEST)}…` : f.field === "size" ? humanSize(Number(v)) : v);
      return `${f.field} ${short(f.a)} -> ${short(f.b)}`;
    });
    lines.push(`changed  ${c.path}: ${what.join(", ")}`);
  }
  if (r.removed.length + r.added.length + r.changed.length) lines.push("");
  lines.push(...growthLines("files' bytes by top-level directory (A -> B):", r.growth.directories, (g) => g.name));
  lines.push(...growthLines("uncompressed size by member (A -> B):", r.growth.members, (g) => `member ${g.name}`));
  for (const [label, s] of [["A", r.a], ["B", r.b]] as const) {
    for (const sh of s.shadowed) {
      const last = sh.members[sh.members.length - 1];
      // The early microcode loader scans the image for the first cpio holding the file.
      const loader = sh.path.startsWith(MICROCODE_DIR) ? `, the early microcode loader reads member ${sh.members[0]}'s` : "";
      lines.push(`shadowed in ${label}: ${sh.path} is in members ${sh.members.join(", ")}: the kernel keeps member ${last}'s${loader}`);
    }
  }
  lines.push(r.equal ? "equal: the two images unpack to the same tree" :
    `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed`);
  return lines.join("\n");
}
