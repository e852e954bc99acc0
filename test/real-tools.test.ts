// Archives written by real tools (GNU cpio, bsdcpio, busybox cpio), extracted by cpiox and
// compared field by field with the source tree and with GNU cpio's own extraction.
import { beforeAll, describe, expect, it } from "vitest";
import { list } from "../src/index.js";
import { CHUNK_SIZES } from "./helpers/feed.js";
import { extractBytes } from "./helpers/run.js";
import { sh } from "./helpers/sh.js";
import { snapshot, without } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";
import { buildTree } from "./helpers/source-tree.js";

let src = "";
beforeAll(() => {
  src = tempDir("cpiox-src-");
  buildTree(src);
});


const producers: Array<[string, string]> = [
  ["GNU cpio -H newc", "cpio --quiet -o -H newc"],
  ["GNU cpio -H crc", "cpio --quiet -o -H crc"],
  ["bsdcpio --format newc", "bsdcpio --quiet -o --format newc"],
  ["busybox cpio -H newc", "busybox cpio -o -H newc"],
];

describe.each(producers)("%s", (_label, command) => {
  let img: Buffer;
  beforeAll(() => {
    img = sh(`find . -mindepth 1 | LC_ALL=C sort | ${command} 2>/dev/null`, src);
  });

  it.each(CHUNK_SIZES.filter((c) => c !== 1))("equals the source tree field by field (chunks of %s)", async (chunk) => {
    const { dir, error, warnings } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    expect(snapshot(dir)).toEqual(snapshot(src));
  });

  it("one byte at a time gives the same tree", async () => {
    const { dir, error } = await extractBytes(img, 1);
    expect(error).toBeNull();
    expect(snapshot(dir)).toEqual(snapshot(src));
  });

  it("matches GNU cpio's extraction (except directory and symlink mtimes, which cpio does not keep)", async () => {
    const ref = tempDir("cpiox-ref-");
    sh(`cpio --quiet -idmu --no-absolute-filenames`, ref, img);
    const { dir } = await extractBytes(img);
    const drop = (_p: string, n: { type: string }) => (n.type === "dir" || n.type === "symlink" ? ["mtime" as const] : []);
    expect(without(snapshot(dir), drop)).toEqual(without(snapshot(ref), drop));
  });
});

it("names are listed exactly as GNU cpio -t lists them, non-UTF-8 bytes included", async () => {
  const img = sh(`find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc`, src);
  const expected = sh(`cpio --quiet -t`, src, img).toString("latin1").trimEnd().split("\n");
  const entries = await list(img);
  expect(entries.map((e) => e.name.toString("latin1"))).toEqual(expected);
});
