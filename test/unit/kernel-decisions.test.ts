// One kernel rule through both of its users: decideByName (src/kernel/decisions.ts) decides, the
// extract sink and verify's tree model apply it, so they agree entry by entry.
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decideByName } from "../../src/kernel/decisions.js";
import { splitName } from "../../src/kernel/names.js";
import { verify } from "../../src/verify/index.js";
import { archive, type HandEntry } from "../helpers/newc.js";
import { extractBytes } from "../helpers/run.js";
import { manifestOfTree } from "../helpers/tree.js";
import { parseManifest } from "../../src/verify/manifest.js";

const named = (name: string, type: "file" | "directory" | "fifo") => decideByName({ name: Buffer.from(name), type }, splitName(Buffer.from(name)));

describe("a name that can only name a directory", () => {
  it("decides: skip for a non-directory, the directory itself for a directory, place otherwise", () => {
    expect(["f/", ".", "..", "a/.", "b/..", "./"].map((n) => named(n, "file"))).toEqual(Array(6).fill("skip-directory-name"));
    expect(named("x/..", "fifo")).toBe("skip-directory-name");
    expect(["d/", "a/b/"].map((n) => named(n, "directory"))).toEqual(["place", "place"]);
    expect([".", "..", "a/.", "./"].map((n) => named(n, "directory"))).toEqual(Array(4).fill("directory-itself"));
    expect(named("a/b", "file")).toBe("place");
  });

  it("extract warns CPIOX_DIRECTORY_NAME and verify finds CPIOX_RULE_KERNEL_SKIPS on exactly the same entries", async () => {
    const entries: HandEntry[] = [
      { name: "init", mode: 0o100755, data: "#!/bin/sh\n" },
      { name: "d", mode: 0o40755 },
      { name: "d/", data: "file named like a directory" },
      { name: ".", data: "a file named dot" },
      { name: "d/..", mode: 0o10644 },
      { name: "d/sub/", mode: 0o40755 },
      { name: "ok", data: "placed" },
    ];
    const img = archive(entries);
    const extracted = await extractBytes(img);
    const warned = extracted.warnings.filter((w) => w.code === "CPIOX_DIRECTORY_NAME").map((w) => w.entry);
    const { report } = await verify(img);
    const found = report.findings.filter((f) => f.rule === "CPIOX_RULE_KERNEL_SKIPS").map((f) => f.path);
    expect(warned).toEqual(["d/", ".", "d/.."]);
    expect(found).toEqual(warned);
  });
});

// What is already at the path: clean_path, hard links and O_TRUNC decide (kernel/decisions.ts);
// the tree extract builds and the tree verify models must be the same, path by path.
describe("an entry meeting what is already at its path", () => {
  const root = process.getuid?.() === 0;
  const file = (name: string, data: string, more: Partial<HandEntry> = {}): HandEntry => ({ name, mode: 0o100644, data, ...more });
  const cases: [string, HandEntry[]][] = [
    ["a hard link's later instance without data keeps the shared content", [
      file("a", "DATA", { ino: 5, nlink: 2 }), file("b", "", { ino: 5, nlink: 2, mode: 0o100600 }),
    ]],
    ["a hard link's later instance with data replaces it for both names", [
      file("a", "OLD DATA", { ino: 5, nlink: 2 }), file("b", "NEW", { ino: 5, nlink: 2 }),
    ]],
    ["a file over a file reuses the inode (O_TRUNC), so its hard links see the new data", [
      file("a", "first", { ino: 7, nlink: 2 }), file("b", "", { ino: 7, nlink: 2 }), file("a", "second", { ino: 8 }),
    ]],
    ["a non-empty directory stays when a file, a symlink or a link wants its path", [
      { name: "d", mode: 0o40755 }, file("d/f", "inside"), file("d", "a file"),
      { name: "d", mode: 0o120777, data: "target", uid: 3 },
      file("h", "x", { ino: 9, nlink: 2 }), file("d", "", { ino: 9, nlink: 2 }),
    ]],
    ["an empty directory or another type is replaced", [
      { name: "e", mode: 0o40755 }, file("e", "now a file"), file("p", "x"), { name: "p", mode: 0o10644 },
      { name: "s", mode: 0o120777, data: "t" }, file("s", "replaces the symlink"),
    ]],
    ["a link to a first instance that became a directory fails", [
      file("h", "x", { ino: 9, nlink: 2 }), { name: "h", mode: 0o40700 }, file("h2", "", { ino: 9, nlink: 2 }),
    ]],
    ["a directory over a directory takes the new mode and owner", [
      { name: "d", mode: 0o40755, uid: 1 }, file("d/x", "y"), { name: "d", mode: 0o40711, uid: 2 },
    ]],
  ];
  if (root) {
    cases.push(["a device over the same type keeps its numbers and takes the new mode", [
      { name: "c", mode: 0o20644, rdevMajor: 1, rdevMinor: 3 }, { name: "c", mode: 0o20600, rdevMajor: 1, rdevMinor: 5, uid: 4 },
    ]]);
  }

  it("the data on a hard link's first instance survives a later instance without data (no O_TRUNC, no truncate)", async () => {
    const { dir, error } = await extractBytes(archive(cases[0][1]));
    expect(error).toBeNull();
    expect([readFileSync(join(dir, "a"), "latin1"), readFileSync(join(dir, "b"), "latin1")]).toEqual(["DATA", "DATA"]);
    expect(lstatSync(join(dir, "a")).ino).toBe(lstatSync(join(dir, "b")).ino);
  });

  it.each(cases)("%s", async (_, entries) => {
    const img = archive(entries);
    const extracted = await extractBytes(img, Infinity, { preserveOwner: root });
    expect(extracted.error).toBeNull();
    const { manifest } = await verify(img, { manifest: true });
    const modelled = new Map(parseManifestRows(manifest!));
    const built = manifestOfTree(extracted.dir);
    if (!root) for (const rows of [modelled, built]) for (const r of rows.values()) r.uid = r.gid = "-";
    expect(Object.fromEntries(built)).toEqual(Object.fromEntries(modelled));
  });
});

function parseManifestRows(text: string): [string, Record<string, string>][] {
  return [...parseManifest(text).values()].map(({ path, xattrs: _, ...rest }) => [path, rest]);
}
