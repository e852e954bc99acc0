// Real initramfs images made by mkinitramfs (every compression) and dracut: cpiox's tree equals
// the one extracted from the same image decompressed by the system tool. GNU cpio is also a
// reference for everything but directory and symlink mtimes, which the kernel sets from the
// archive (first entry wins for directories) and cpio does not.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { list } from "../src/index.js";
import { verify } from "../src/verify/index.js";
import { extractBytes } from "./helpers/run.js";
import { sh } from "./helpers/sh.js";
import { snapshot, without } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";

const isRoot = process.getuid!() === 0;
const DECOMPRESS: Record<string, string> = {
  gzip: "gzip -dc", bzip2: "bzip2 -dc", lzma: "lzma -dc", xz: "xz -dc", lzop: "lzop -dc", lz4: "lz4 -dc", zstd: "zstd -dc",
};
const images = [
  ...Object.keys(DECOMPRESS).map((c) => [`mkinitramfs-${c}.img`, c]),
  ["dracut-gzip.img", "gzip"], ["dracut-zstd.img", "zstd"], ["dracut-xz.img", "xz"],
];

describe.skipIf(!isRoot)("real images (mkinitramfs, dracut)", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("cpiox-img-");
    sh(`bash ${join(import.meta.dirname, "fixtures/make-initramfs.sh")} ${dir}`);
  }, 300_000);

  it.each(images)("%s extracts to the kernel's tree", async (name, compression) => {
    const img = readFileSync(join(dir, name));
    const plain = sh(DECOMPRESS[compression], undefined, img);
    const { dir: out, error, warnings } = await extractBytes(img);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    const got = snapshot(out);
    expect(Object.keys(got).length).toBeGreaterThan(100);
    // The same archive, decompressed by the system tool, extracted by cpiox: identical.
    const fromPlain = await extractBytes(plain);
    expect(fromPlain.error).toBeNull();
    expect(got).toEqual(snapshot(fromPlain.dir));
    // GNU cpio on the plain archive.
    const ref = tempDir("cpiox-ref-");
    sh(`cpio --quiet -idmu --no-absolute-filenames`, ref, plain);
    const drop = (_p: string, n: { type: string }) => (n.type === "dir" || n.type === "symlink" ? ["mtime" as const] : []);
    expect(without(got, drop)).toEqual(without(snapshot(ref), drop));
    // Directory and symlink mtimes come from their (first) entries.
    const firstMtime = new Map<string, number>();
    for (const e of await list(plain)) {
      const p = e.name.toString("latin1").replace(/^\.\//, "");
      if ((e.type === "directory" || e.type === "symlink") && p !== "." && !firstMtime.has(p)) firstMtime.set(p, e.mtime);
    }
    for (const [p, mtime] of firstMtime) expect([p, got[p]?.mtime]).toEqual([p, mtime]);
  });

  it.each(images)("%s passes verify's default policy", async (name) => {
    const { report } = await verify(readFileSync(join(dir, name)));
    expect(report.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(report.result).toBe("pass");
    expect(report.counts.entries).toBeGreaterThan(100);
  });
});
