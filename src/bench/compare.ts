// Field-by-field comparison of two manifests: the kernel's tree against another extractor's.
import type { Manifest, PathRecord } from "./manifest.js";

/** The fields compared, in report order. */
export const FIELDS = ["type", "mode", "uid", "gid", "size", "mtime", "nlink", "target", "rdev", "sha256", "linkGroup"] as const;
export type Field = (typeof FIELDS)[number];

export interface FieldDifference {
  field: Field;
  kernel: unknown;
  other: unknown;
}

export interface PathDifference {
  path: string;
  /** `differs`: both have it; `missing`: only the kernel's tree has it; `extra`: only the other. */
  kind: "differs" | "missing" | "extra";
  fields: FieldDifference[];
}

export interface Parity {
  identical: boolean;
  /** Paths looked at on both sides. */
  compared: number;
  differences: PathDifference[];
  /** Paths or fields left out, and why. */
  notCompared: { path: string; field?: Field; why: string }[];
}

/** What the kernel makes before it reads the image (its built-in initramfs), when the image does not. */
export const KERNEL_BUILT_IN = ["dev", "dev/console", "root"];

export interface CompareOptions {
  /** Owners are not compared (the other side could not set them: not root). */
  ignoreOwner?: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function compareManifests(kernel: Manifest, other: Manifest, opts: CompareOptions = {}): Parity {
  const differences: PathDifference[] = [];
  const notCompared: Parity["notCompared"] = [];
  let compared = 0;
  const skipped = new Set<Field>(opts.ignoreOwner ? ["uid", "gid"] : []);
  if (opts.ignoreOwner) notCompared.push({ path: "*", field: "uid", why: "owners: the extraction could not set them (not root)" });
  for (const [path, k] of kernel) {
    const o = other.get(path);
    if (!o) {
      if (KERNEL_BUILT_IN.includes(path)) notCompared.push({ path, why: "made by the kernel's built-in initramfs, not by the image" });
      else differences.push({ path, kind: "missing", fields: [] });
      continue;
    }
    compared++;
    const fields: FieldDifference[] = [];
    for (const field of FIELDS) {
      if (skipped.has(field)) continue;
      // The root's mtime: the kernel's root is made at boot and holds the helper, the other is
      // the directory the extraction was given.
      if (path === "." && field === "mtime") continue;
      if (!same(k[field as keyof PathRecord], o[field as keyof PathRecord])) {
        fields.push({ field, kernel: k[field as keyof PathRecord], other: o[field as keyof PathRecord] });
      }
    }
    if (fields.length) differences.push({ path, kind: "differs", fields });
  }
  for (const path of other.keys()) if (!kernel.has(path)) differences.push({ path, kind: "extra", fields: [] });
  if (kernel.has(".")) notCompared.push({ path: ".", field: "mtime", why: "the root's mtime: the kernel's root is made at boot" });
  differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { identical: differences.length === 0, compared, differences, notCompared };
}
