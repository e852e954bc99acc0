// The commands that read an image: extract, list, verify, examine and diff, each loading its own
// modules only when it runs.
import { readFileSync, writeFileSync } from "node:fs";
import type { Entry } from "../entries.js";
import { CpioxError, fsError } from "../errors.js";
import type { ExtractOptions } from "../options.js";
import type { VerifyOptions } from "../verify/index.js";
import { selectionPath } from "../select/selection.js";
import { UsageError, type Values } from "../cli/args.js";
import { entryJson, humanSize, longLine, memberCounts, membersTable, ownerNames, ukiLines, xattrLines, type OwnerNames } from "../cli/format.js";

export async function runExtract(source: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<void> {
  if (v["to-stdout"]) {
    const { extractToStream } = await import("../extract/to-stream.js");
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
  const { extract } = await import("../extract/run.js");
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

export async function runList(source: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<void> {
  if ((v.utc || v.numeric) && !v.verbose) throw new UsageError(`--${v.utc ? "utc" : "numeric"} applies to -v`);
  const { entries } = await import("../list/entries.js");
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
    const name = e.type === "file" ? selectionPath(e.name) : "";
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

export type ExtractCommon = Omit<ExtractOptions, "cwd">;

export async function runVerify(source: string, v: Values, common: VerifyOptions, out: NodeJS.WritableStream): Promise<number> {
  const { exitCode, summarize, verify } = await import("../verify/index.js");
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

export async function runExamine(source: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<void> {
  const { examine } = await import("../list/list.js");
  const r = await examine(source, common);
  if (v.quiet) return;
  const size = v.bytes ? `${r.size} bytes` : `${humanSize(r.size)} (${r.size} bytes)`;
  const bc = r.bootconfig;
  const trailer = bc ? `bootconfig: ${bc.size} bytes at offset ${bc.offset}, checksum ${bc.checksum} (correct); not unpacked (a kernel built with CONFIG_BOOT_CONFIG ends the initrd there; one without it unpacks the rest, then reports "invalid magic")\n` : "";
  if (v.bootconfig) {
    if (!bc) throw new CpioxError("CPIOX_BOOTCONFIG", "the image ends in no bootconfig trailer (#BOOTCONFIG)");
    out.write(bc.text.endsWith("\n") ? bc.text : `${bc.text}\n`);
    return;
  }
  const uki = r.uki ? `${ukiLines(r.uki, Boolean(v.bytes))}\n` : "";
  out.write(v.json ? JSON.stringify(r) + "\n" : v.count ? `${memberCounts(r.members)}\n` : `${membersTable(r.members, Boolean(v.bytes))}\n${size}, ${r.members.length} member(s)\n${trailer}${uki}`);
}

/** Exit status: 0 the images unpack alike, 1 they differ. */
export async function runDiff(a: string, b: string, v: Values, common: ExtractCommon, out: NodeJS.WritableStream): Promise<number> {
  const { diff } = await import("../diff/index.js");
  const { formatDiff } = await import("../diff/format.js");
  // Two inputs at once: one progress line cannot follow both; B is not a pattern.
  const { patterns: _b, progress: _line, ...diffOptions } = common;
  const report = await diff(a, b, diffOptions);
  if (!v.quiet) out.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDiff(report)}\n`);
  return report.equal ? 0 : 1;
}
