// cpiox bench: the kernel's own unpack against cpiox's and other tools'.
import { writeFileSync } from "node:fs";
import { fsError } from "../errors.js";
import { UsageError, type Values } from "../cli/args.js";

export async function runBench(v: Values, positionals: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("expected exactly one IMAGE (a file)");
  const kernel = (v.kernel ?? "auto") as string;
  if (!["auto", "uml", "qemu", "none"].includes(kernel)) throw new UsageError("--kernel must be auto, uml, qemu or none");
  const runs = v.runs === undefined ? 5 : Number(v.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new UsageError("--runs must be a whole number from 1 to 1000");
  const tools = v.tools === undefined ? undefined : v.tools === "none" ? [] : String(v.tools).split(",").map((t) => t.trim()).filter(Boolean);
  const { bench } = await import("../bench/index.js");
  const { benchChart, formatBench } = await import("../bench/report.js");
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
