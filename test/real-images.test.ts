// Real initramfs images made by mkinitramfs and dracut: cpiox's tree equals the kernel's.
// GNU cpio is the reference for everything but directory and symlink mtimes, which the kernel
// sets from the archive (first entry wins for directories) and cpio does not.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { list } from "../src/api.js";
import { extractBytes } from "./helpers/run.js";
import { sh } from "./helpers/sh.js";
import { snapshot, without } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";
import { readFileSync } from "node:fs";

const isRoot = process.getuid!() === 0;
const images = ["mkinitramfs-gzip.img", "dracut-gzip.img"];

describe.skipIf(!isRoot)("real images (mkinitramfs, dracut)", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("cpiox-img-");
    sh(`bash ${join(import.meta.dirname, "fixtures/make-initramfs.sh")} ${dir}`);
  }, 120_000);

  it.each(images)("%s extracts to the kernel's tree", async (name) => {
    const img = readFileSync(join(dir, name));
    const ref = tempDir("cpiox-ref-");
    sh(`zcat | cpio --quiet -idmu --no-absolute-filenames`, ref, img);
    const { dir: out, error, warnings } = await extractBytes(img);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    const got = snapshot(out);
    expect(Object.keys(got).length).toBeGreaterThan(100);
    const drop = (_p: string, n: { type: string }) => (n.type === "dir" || n.type === "symlink" ? ["mtime" as const] : []);
    expect(without(got, drop)).toEqual(without(snapshot(ref), drop));
    // Directory and symlink mtimes come from their (first) entries.
    const firstMtime = new Map<string, number>();
    for (const e of await list(img)) {
      const p = e.name.toString("latin1").replace(/^\.\//, "");
      if ((e.type === "directory" || e.type === "symlink") && p !== "." && !firstMtime.has(p)) firstMtime.set(p, e.mtime);
    }
    for (const [p, mtime] of firstMtime) expect([p, got[p]?.mtime]).toEqual([p, mtime]);
  });
});
