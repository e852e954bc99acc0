// cpiox bench's tree comparison on its own: manifests read from real trees, and trees that differ
// from each other in one field at a time, each reported with its path and field; and the parser
// of the helper's console lines against busybox's own output for a real tree.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareManifests, FIELDS, type Field } from "../../src/bench/compare.js";
import { CONSOLE, manifestOfTree, parseConsoleManifest, type Manifest, type PathRecord } from "../../src/bench/manifest.js";
import { initScript } from "../../src/bench/helper.js";
import { tempDir } from "../helpers/tmp.js";

const root = process.getuid?.() === 0;

/** A small tree with every type the comparison looks at (devices only as root). */
function makeTree(): string {
  const dir = tempDir("cpiox-bench-tree-");
  mkdirSync(join(dir, "etc"));
  writeFileSync(join(dir, "etc/a"), "alpha\n");
  writeFileSync(join(dir, "etc/b"), "beta\n");
  linkSync(join(dir, "etc/b"), join(dir, "etc/b-link"));
  symlinkSync("a", join(dir, "etc/to-a"));
  execFileSync("mkfifo", [join(dir, "fifo")]);
  if (root) execFileSync("mknod", [join(dir, "null"), "c", "1", "3"]);
  chmodSync(join(dir, "etc/a"), 0o640);
  for (const p of ["etc/a", "etc/b", "fifo", "etc", "."]) utimesSync(join(dir, p), 1_600_000_000, 1_600_000_000);
  return dir;
}

describe("manifestOfTree", () => {
  it("reads every field a tree has", async () => {
    const m = await manifestOfTree(makeTree());
    expect([...m.keys()]).toEqual([".", "etc", "etc/a", "etc/b", "etc/b-link", "etc/to-a", "fifo", ...(root ? ["null"] : [])]);
    expect(m.get("etc/a")).toMatchObject({ type: "file", mode: 0o640, size: 6, mtime: 1_600_000_000, nlink: 1, linkGroup: null });
    expect(m.get("etc/a")!.sha256).toBe(createHash("sha256").update("alpha\n").digest("hex"));
    expect(m.get("etc/b-link")).toMatchObject({ nlink: 2, linkGroup: "etc/b" });
    expect(m.get("etc/b")).toMatchObject({ nlink: 2, linkGroup: "etc/b" });
    expect(m.get("etc/to-a")).toMatchObject({ type: "symlink", target: "a", size: 1 });
    expect(m.get("etc")).toMatchObject({ type: "directory", nlink: null, size: null });
    if (root) expect(m.get("null")).toMatchObject({ type: "char", rdev: { major: 1, minor: 3 } });
  });
});

describe("compareManifests", () => {
  const base = (): Manifest => new Map<string, PathRecord>([
    [".", { type: "directory", mode: 0o755, uid: 0, gid: 0, size: null, mtime: 1, nlink: null, target: null, rdev: null, sha256: null, linkGroup: null }],
    ["f", { type: "file", mode: 0o644, uid: 0, gid: 0, size: 3, mtime: 5, nlink: 1, target: null, rdev: null, sha256: "a".repeat(64), linkGroup: null }],
  ]);
  const changes: Record<Field, Partial<PathRecord>> = {
    type: { type: "fifo" }, mode: { mode: 0o600 }, uid: { uid: 7 }, gid: { gid: 7 }, size: { size: 4 }, mtime: { mtime: 6 },
    nlink: { nlink: 2 }, target: { target: "x" }, rdev: { rdev: { major: 1, minor: 3 } }, sha256: { sha256: "b".repeat(64) },
    linkGroup: { linkGroup: "f" },
  };

  it("identical manifests are identical", () => {
    expect(compareManifests(base(), base())).toMatchObject({ identical: true, compared: 2, differences: [] });
  });

  it.each(FIELDS)("a difference in %s alone is reported with its path and field", (field) => {
    const other = base();
    other.set("f", { ...other.get("f")!, ...changes[field] });
    const p = compareManifests(base(), other);
    expect(p.identical).toBe(false);
    expect(p.differences).toEqual([{ path: "f", kind: "differs", fields: [{ field, kernel: base().get("f")![field], other: other.get("f")![field] }] }]);
  });

  it("paths only on one side, the kernel's built-in entries, the root's mtime and owners without root", () => {
    const kernel = base();
    kernel.set("dev", { ...kernel.get(".")! });
    kernel.set("gone", { ...kernel.get("f")! });
    const other = base();
    other.set("new", { ...other.get("f")! });
    other.set(".", { ...other.get(".")!, mtime: 999 });
    other.set("f", { ...other.get("f")!, uid: 1000 });
    const p = compareManifests(kernel, other, { ignoreOwner: true });
    expect(p.differences).toEqual([{ path: "gone", kind: "missing", fields: [] }, { path: "new", kind: "extra", fields: [] }]);
    expect(p.notCompared.map((n) => n.path)).toEqual(["*", "dev", "."]);
    expect(compareManifests(kernel, other).differences.find((d) => d.path === "f")).toMatchObject({ fields: [{ field: "uid" }] });
  });
});

describe("the helper's console manifest", () => {
  it("busybox's own output for a real tree parses to the same manifest as the tree read here", async () => {
    const tree = makeTree();
    // The helper's script, run by the host's busybox with the tree as its "/": its find/stat
    // lines, with the paths made relative to the tree as the booted kernel would print them.
    const script = initScript().split("\n").filter((l) => !/dmesg|poweroff|^#!/.test(l)).join("\n")
      .replaceAll("/.cpiox-bench/busybox", "busybox").replaceAll("find / ", "find . ");
    const text = execFileSync("bash", ["-c", script], { cwd: tree, encoding: "latin1" })
      .replace(/^(@@[SHL] .*?)\.\//gm, "$1/").replace(/^(@@S .*) \.$/gm, "$1 /").replace(/\t\.\//g, "\t/");
    expect(text.startsWith(CONSOLE.begin)).toBe(true);
    const { manifest, unparsed } = parseConsoleManifest(text);
    expect(unparsed).toEqual([]);
    expect(compareManifests(manifest, await manifestOfTree(tree))).toMatchObject({ identical: true, differences: [] });
  });

  it("a console without the end marker is an error, and stray lines are returned", () => {
    expect(() => parseConsoleManifest(`${CONSOLE.begin}\n@@S 41ed 0 0 40 1 2 0 0 5 /\n`)).toThrow(/no complete manifest/);
    const { unparsed } = parseConsoleManifest(`noise\n${CONSOLE.begin}\n[ 1.0] random: crng init\n@@S 41ed 0 0 40 1 2 0 0 5 /\n${CONSOLE.end}\n`);
    expect(unparsed).toEqual(["[ 1.0] random: crng init"]);
  });
});
