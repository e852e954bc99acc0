// Verify policies: the built-in "default" and "strict" presets, and JSON files that extend one.
import { readFileSync } from "node:fs";
import { CpioxError } from "../errors.js";
import { isRuleCode, RULE_CODES, Rules, type RuleCode, type Severity } from "./rules.js";
import { compileGlob, type Glob } from "../select/glob.js";

export const POLICY_VERSION = 1;

export interface PolicyLimits {
  entries: number;
  totalSize: number;
  fileSize: number;
  pathDepth: number;
  xattrSize: number;
}

export interface XattrRequirement {
  /** Glob over the normalized path (no leading "/" or "./"). */
  path: string;
  /** Entry types it applies to (default: ["file"]). */
  types: string[];
  names: string[];
}

export interface Policy {
  name: string;
  rules: Record<RuleCode, Severity>;
  limits: PolicyLimits;
  compressions: string[];
  formats: string[];
  xattrNamespaces: string[];
  requireXattrs: XattrRequirement[];
  requireImaSignature: string[];
  /** Globs each of which some path of the final tree must match (e.g. "init", "usr/lib/modules/*"). */
  requirePaths: string[];
}

/** A policy with its globs compiled. */
export interface CompiledPolicy extends Policy {
  xattrGlobs: { req: XattrRequirement; match: Glob }[];
  imaGlobs: Glob[];
  pathGlobs: { pattern: string; match: Glob }[];
}

const KERNEL_COMPRESSIONS = ["cpio", "gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd"];
const ENTRY_TYPES = ["file", "directory", "symlink", "char", "block", "fifo", "socket"];

export const PRESETS = ["default", "strict"] as const;
export type Preset = (typeof PRESETS)[number];
const isPreset = (s: unknown): s is Preset => PRESETS.includes(s as Preset);

/** A fresh copy of a built-in policy. */
export function builtinPolicy(name: Preset): Policy {
  const rules = Object.fromEntries(RULE_CODES.map((c) => [c, Rules[c][name]])) as Record<RuleCode, Severity>;
  return {
    name,
    rules,
    limits: {
      // Real initramfs images hold a few thousand entries; the model costs ~0.7 KB per path.
      entries: 250_000,
      totalSize: 16 * 2 ** 30,
      fileSize: 4 * 2 ** 30,
      pathDepth: 64,
      xattrSize: 65536,
    },
    compressions: [...KERNEL_COMPRESSIONS],
    formats: ["newc", "crc", "newcx"],
    xattrNamespaces: name === "strict" ? ["security"] : ["security", "trusted", "user", "system"],
    requireXattrs: [],
    requireImaSignature: [],
    requirePaths: [],
  };
}

function bad(what: string, from: string): never {
  throw new CpioxError("CPIOX_POLICY_INVALID", `${from}: ${what}`);
}

function stringList(v: unknown, key: string, from: string, allowed?: readonly string[]): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) bad(`"${key}" must be an array of strings`, from);
  for (const s of v as string[]) {
    if (allowed && !allowed.includes(s)) bad(`"${key}" has "${s}"; allowed: ${allowed.join(", ")}`, from);
  }
  return v as string[];
}

const KEYS = ["version", "extends", "rules", "limits", "compressions", "formats", "xattrNamespaces",
  "requireXattrs", "requireImaSignature", "requirePaths"];

/** Parses a policy document (already JSON-decoded), validating every key. */
export function parsePolicy(doc: unknown, from = "policy"): Policy {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) bad("a policy is a JSON object", from);
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KEYS.includes(k)) bad(`unknown key "${k}"`, from);
  if (d.version !== POLICY_VERSION) bad(`"version" must be ${POLICY_VERSION}`, from);
  const base = d.extends ?? "default";
  if (!isPreset(base)) bad(`"extends" must be ${PRESETS.map((n) => `"${n}"`).join(" or ")}`, from);
  const p = builtinPolicy(base);
  p.name = from;
  if (d.rules !== undefined) {
    if (typeof d.rules !== "object" || d.rules === null) bad(`"rules" must be an object`, from);
    for (const [code, sev] of Object.entries(d.rules)) {
      if (!isRuleCode(code)) bad(`unknown rule "${code}"`, from);
      if (sev !== "error" && sev !== "warn" && sev !== "off") bad(`rule ${code} must be "error", "warn" or "off"`, from);
      p.rules[code] = sev;
    }
  }
  if (d.limits !== undefined) {
    if (typeof d.limits !== "object" || d.limits === null) bad(`"limits" must be an object`, from);
    for (const [k, v] of Object.entries(d.limits)) {
      if (!Object.hasOwn(p.limits, k)) bad(`unknown limit "${k}"`, from);
      if (!Number.isSafeInteger(v) || (v as number) < 0) bad(`limit ${k} must be a non-negative integer`, from);
      p.limits[k as keyof PolicyLimits] = v as number;
    }
  }
  if (d.compressions !== undefined) p.compressions = stringList(d.compressions, "compressions", from, [...KERNEL_COMPRESSIONS, "lz4-frame"]);
  if (d.formats !== undefined) p.formats = stringList(d.formats, "formats", from, ["newc", "crc", "newcx"]);
  if (d.xattrNamespaces !== undefined) p.xattrNamespaces = stringList(d.xattrNamespaces, "xattrNamespaces", from);
  if (d.requireImaSignature !== undefined) p.requireImaSignature = stringList(d.requireImaSignature, "requireImaSignature", from);
  if (d.requirePaths !== undefined) p.requirePaths = stringList(d.requirePaths, "requirePaths", from);
  if (d.requireXattrs !== undefined) {
    if (!Array.isArray(d.requireXattrs)) bad(`"requireXattrs" must be an array`, from);
    p.requireXattrs = d.requireXattrs.map((r: unknown, i: number) => {
      const at = `requireXattrs[${i}]`;
      if (typeof r !== "object" || r === null) bad(`${at} must be an object`, from);
      const o = r as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!["path", "types", "names"].includes(k)) bad(`${at}: unknown key "${k}"`, from);
      if (typeof o.path !== "string") bad(`${at}.path must be a string`, from);
      const names = stringList(o.names, `${at}.names`, from);
      if (!names.length) bad(`${at}.names must not be empty`, from);
      const types = o.types === undefined ? ["file"] : stringList(o.types, `${at}.types`, from, ENTRY_TYPES);
      return { path: o.path, types, names };
    });
  }
  return p;
}

/** "default", "strict", or a JSON file. */
export function loadPolicy(nameOrFile: string = "default"): CompiledPolicy {
  return compilePolicy(readPolicy(nameOrFile));
}

/** A built-in policy by name, or a policy file read and checked (not compiled: it stays plain JSON). */
export function readPolicy(nameOrFile: string = "default"): Policy {
  if (isPreset(nameOrFile)) return builtinPolicy(nameOrFile);
  let text: string;
  try {
    text = readFileSync(nameOrFile, "utf8");
  } catch (e) {
    throw new CpioxError("CPIOX_POLICY_INVALID", `cannot read the policy ${nameOrFile}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CpioxError("CPIOX_POLICY_INVALID", `${nameOrFile}: not JSON: ${(e as Error).message}`);
  }
  return parsePolicy(doc, nameOrFile);
}

export function compilePolicy(p: Policy): CompiledPolicy {
  return {
    ...p,
    requirePaths: p.requirePaths ?? [],
    xattrGlobs: p.requireXattrs.map((req, i) => ({ req, match: compileGlob(req.path, `${p.name}: requireXattrs[${i}].path`) })),
    imaGlobs: p.requireImaSignature.map((g) => compileGlob(g, `${p.name}: requireImaSignature`)),
    pathGlobs: (p.requirePaths ?? []).map((pattern) => ({ pattern, match: compileGlob(pattern, `${p.name}: requirePaths`) })),
  };
}
