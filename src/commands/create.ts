// cpiox create: members from the order of the options, then the image.
import { readFileSync } from "node:fs";
import type { CreateCompression, CreateMember, XattrEncoding } from "../create/index.js";
import { COMPRESSION_NAMES } from "../create/compress/names.js";
import type { CreateFormat } from "../create/encode.js";
import { fsError } from "../errors.js";
import { UsageError, type Tokens, type Values } from "../cli/args.js";

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

export async function runCreate(v: Values, positionals: string[], tokens: Tokens, out: NodeJS.WritableStream): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (typeof v.output !== "string") throw new UsageError("-o FILE (or - for standard output) is required");
  const format = (v.format ?? "newc") as string;
  const xattrs = (v.xattrs ?? (format === "newcx" ? "newcx" : "none")) as string;
  if (!["newc", "crc", "newcx"].includes(format)) throw new UsageError("--format must be newc, crc or newcx");
  if (!["none", "newcx", "metadata", "xattr-list"].includes(xattrs)) throw new UsageError("--xattrs must be none, newcx, metadata or xattr-list");
  const epochText = process.env.SOURCE_DATE_EPOCH;
  if (epochText !== undefined && !/^\d+$/.test(epochText)) throw new UsageError("SOURCE_DATE_EPOCH must be a whole number of seconds");
  const members = createMembers(tokens);
  const { create } = await import("../create/index.js");
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
