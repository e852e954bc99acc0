// One side of `cpiox diff`: the tree an image builds at boot, as verify models it (the kernel's
// rules, no disk touched), reduced to one manifest row per path, plus the image's members and the
// paths that more than one member writes. Memory is a row per path, never file data.
import { CpioxError } from "../errors.js";
import type { Entry } from "../entries.js";
import type { Source } from "../input/sources.js";
import type { MemberInfo } from "../members/splitter.js";
import { builtinPolicy, compilePolicy } from "../verify/policy.js";
import { RULE_CODES } from "../verify/rules.js";
import { escapeBytes, type ManifestRow } from "../verify/manifest.js";
import { keyOf, normalizedParts } from "../verify/tree-model.js";
import { readIntoVerifier, type VerifyOptions } from "../verify/index.js";
import { Verifier } from "../verify/verifier.js";

/** Entries modelled per image at most (about 0.7 KB of memory each); more is CPIOX_TOO_LARGE. */
export const DIFF_ENTRIES_MAX = 250_000;

export interface ImageTree {
  members: MemberInfo[];
  /** By escaped path (the manifest's spelling), sorted by path bytes. */
  rows: Map<string, ManifestRow>;
  /** By escaped path: a number per inode, shared by hard links (so their bytes count once). */
  inodes: Map<string, number>;
  /** Non-directory paths written by more than one member: path -> those members, in order. */
  shadowed: Map<string, number[]>;
}

export interface TreeOptions extends Omit<VerifyOptions, "policy" | "imaCerts" | "against" | "manifest"> {
  /** Entries modelled per image at most (default DIFF_ENTRIES_MAX). */
  maxEntries?: number;
}

/** No rule applies (diff reports differences, not findings) but the entry limit, which ends the read. */
function diffPolicy(maxEntries: number) {
  const p = builtinPolicy("default");
  for (const c of RULE_CODES) p.rules[c] = "off";
  p.rules.CPIOX_RULE_LIMIT_ENTRIES = "error";
  p.limits.entries = maxEntries;
  p.name = "diff";
  return compilePolicy(p);
}

export async function readTree(source: Source, options: TreeOptions, label: string): Promise<ImageTree> {
  const maxEntries = options.maxEntries ?? DIFF_ENTRIES_MAX;
  const verifier = new Verifier({ policy: diffPolicy(maxEntries), imaKeys: [], manifest: true, onwarn: options.onwarn });
  const firstMember = new Map<string, number>();
  const shadowed = new Map<string, number[]>();
  // Which members write each non-directory path: the same path in two is shadowed.
  const tap = (e: Entry) => {
    if (e.type === "trailer" || e.type === "directory") return;
    const key = keyOf(normalizedParts(e.name));
    const first = firstMember.get(key);
    if (first === undefined) firstMember.set(key, e.member);
    else if (first !== e.member) {
      const list = shadowed.get(key) ?? [first];
      if (!list.includes(e.member)) list.push(e.member);
      shadowed.set(key, list);
    }
  };
  let summary;
  try {
    summary = await readIntoVerifier(verifier, source, options, { tap });
  } catch (e) {
    if (verifier.stopped) throw new CpioxError("CPIOX_TOO_LARGE", `${label}: more than ${maxEntries} entries (DIFF_ENTRIES_MAX)`);
    throw e;
  }
  if (verifier.damage) {
    const w = verifier.damage;
    throw new CpioxError("CPIOX_DAMAGED", `${label}: ${w.code}: ${w.message}`, { member: w.member ?? undefined, offset: w.offset ?? undefined });
  }
  const rows = new Map<string, ManifestRow>();
  const inodes = new Map<string, number>();
  const numbers = new Map<object, number>();
  const { manifest, nodes } = verifier.finish();
  (manifest ?? []).forEach((row, i) => {
    rows.set(row.path, row);
    const inode = nodes[i].inode;
    if (!numbers.has(inode)) numbers.set(inode, numbers.size);
    inodes.set(row.path, numbers.get(inode)!);
  });
  const byEscapedPath = new Map<string, number[]>();
  for (const [key, members] of shadowed) byEscapedPath.set(escapeBytes(Buffer.from(key, "latin1")), members);
  return { members: summary.members, rows, inodes, shadowed: byEscapedPath };
}
