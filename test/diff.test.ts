// cpiox diff: hand-built pairs that differ in one field each, shadowed paths, size growth, the
// inputs (files, standard input, a URL), and two real images (mkinitramfs and dracut of the same
// kernel version) whose difference is checked against manifests the test computes itself from
// trees that initramfs-tools' unmkinitramfs unpacked.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diff, type DiffReport } from "../src/diff/index.js";
import { archive, type HandEntry } from "./helpers/newc.js";
import { sh } from "./helpers/sh.js";
import { manifestOfTree } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";

const cli = join(import.meta.dirname, "../bin/cpiox.cjs");
const isRoot = process.getuid!() === 0;

const BASE: HandEntry[] = [
  { name: ".", mode: 0o40755 },
  { name: "etc", mode: 0o40755 },
  { name: "etc/motd", data: "hello\n", mode: 0o100644 },
  { name: "etc/link", mode: 0o120777, data: "motd" },
  { name: "dev", mode: 0o40755 },
  { name: "dev/null", mode: 0o20666, rdevMajor: 1, rdevMinor: 3 },
  { name: "usr", mode: 0o40755 },
  { name: "usr/big", data: "x".repeat(5000) },
  { name: "init", data: "#!/bin/sh\n", mode: 0o100755 },
];

function image(entries: HandEntry[], path: string): string {
  writeFileSync(path, archive(entries));
  return path;
}

const replace = (name: string, e: Partial<HandEntry>) => BASE.map((b) => (b.name === name ? { ...b, ...e } : b));

describe("cpiox diff: what differs, field by field", () => {
  let dir: string, base: string;
  beforeAll(() => {
    dir = tempDir("cpiox-diff-");
    base = image(BASE, join(dir, "base.img"));
  });

  it("the same tree is equal (exit 0), even written differently (compressed, another member layout)", async () => {
    const gz = join(dir, "base.img.gz");
    writeFileSync(gz, gzipSync(archive(BASE)));
    const r = await diff(base, gz);
    expect(r).toMatchObject({ equal: true, added: [], removed: [], changed: [] });
    const cliRun = spawnSync(process.execPath, [cli, "diff", base, gz], { encoding: "utf8" });
    expect(cliRun.status).toBe(0);
    expect(cliRun.stdout).toMatch(/equal: the two images unpack to the same tree/);
  });

  it.each([
    ["mode", replace("init", { mode: 0o100700 }), { field: "mode", a: "0755", b: "0700" }],
    ["uid", replace("init", { uid: 1000 }), { field: "uid", a: "0", b: "1000" }],
    ["gid", replace("init", { gid: 42 }), { field: "gid", a: "0", b: "42" }],
    ["target", replace("etc/link", { data: "elsewhere" }), { field: "target", a: "motd", b: "elsewhere" }],
    ["device", replace("dev/null", { rdevMinor: 5 }), { field: "device", a: "1:3", b: "1:5" }],
  ] as const)("%s", async (_what, entries, expected) => {
    const r = await diff(base, image(entries as HandEntry[], join(dir, `${expected.field}.img`)));
    expect(r.equal).toBe(false);
    expect(r.changed).toEqual([{ path: expected.field === "target" ? "etc/link" : expected.field === "device" ? "dev/null" : "init", fields: [expected] }]);
  });

  it("content: size and digest; type; xattrs", async () => {
    const content = await diff(base, image(replace("etc/motd", { data: "hello, world\n" }), join(dir, "c.img")));
    expect(content.changed).toEqual([{ path: "etc/motd", fields: [
      { field: "size", a: "6", b: "13" },
      { field: "digest", a: expect.stringMatching(/^[0-9a-f]{64}$/), b: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ] }]);
    const typed = await diff(base, image(replace("etc/link", { mode: 0o100644, data: "now a file" }), join(dir, "t.img")));
    expect(typed.changed[0].fields.map((f) => f.field)).toEqual(["type", "mode", "size"]);
    const withX = [...BASE.map((e) => ({ ...e, magic: "070703" })), { name: "init", magic: "070703", data: "#!/bin/sh\n", mode: 0o100755, xattrs: [["security.ima", "\x03\x02sig"]] as Array<[string, string]> }];
    const x = await diff(image(BASE.map((e) => ({ ...e, magic: "070703" })), join(dir, "nx.img")), image(withX, join(dir, "x.img")));
    expect(x.changed).toEqual([{ path: "init", fields: [{ field: "xattrs", a: "-", b: expect.stringMatching(/^security\.ima=[0-9a-f]{16}$/) }] }]);
  });

  it("added and removed paths, files' bytes per top-level directory, exit 1 and --json", () => {
    const b = image([...BASE.filter((e) => e.name !== "etc/motd"), { name: "usr/new", data: "y".repeat(3000) }, { name: "opt", mode: 0o40755 }], join(dir, "ar.img"));
    const r = spawnSync(process.execPath, [cli, "diff", "--json", base, b], { encoding: "utf8" });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.schema).toBe("cpiox-diff/1");
    expect(report.added).toEqual([{ path: "opt", type: "directory", size: 0 }, { path: "usr/new", type: "file", size: 3000 }]);
    expect(report.removed).toEqual([{ path: "etc/motd", type: "file", size: 6 }]);
    expect(report.growth.directories).toEqual([
      { name: "usr", a: 5000, b: 8000, delta: 3000 },
      { name: "etc", a: 6, b: 0, delta: -6 },
      { name: "opt", a: null, b: 0, delta: 0 },
    ]);
    const text = spawnSync(process.execPath, [cli, "diff", base, b], { encoding: "utf8" });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^removed  etc\/motd \(file, 6 B\)$/m);
    expect(text.stdout).toMatch(/^added    usr\/new \(file, 2\.9 KiB\)$/m);
    expect(text.stdout).toMatch(/^  usr {2}4\.9 KiB -> 7\.8 KiB \(\+2\.9 KiB\)$/m);
    expect(text.stdout).toMatch(/2 added, 1 removed, 0 changed\n$/);
    expect(spawnSync(process.execPath, [cli, "diff", "-q", base, b]).stdout.length).toBe(0);
  });

  it("the kernel's rules decide the tree: a later entry wins, a hard link shares its data, an orphan is dropped", async () => {
    const a = image([...BASE, { name: "etc/motd", data: "second\n" }], join(dir, "later.img"));
    const b = image([...BASE.map((e) => (e.name === "etc/motd" ? { ...e, data: "second\n" } : e)), { name: "no/parent", data: "dropped" }], join(dir, "same.img"));
    expect((await diff(a, b)).equal).toBe(true);
    const links = image([...BASE, { name: "h1", ino: 9, nlink: 2, data: "" }, { name: "h2", ino: 9, nlink: 2, data: "shared" }], join(dir, "links.img"));
    const r = await diff(base, links);
    expect(r.added.map((p) => [p.path, p.size])).toEqual([["h1", 6], ["h2", 6]]);
  });

  it("paths two members of one image both write: shadowed (later wins; the microcode loader reads the first)", () => {
    const ucode = "kernel/x86/microcode/GenuineIntel.bin";
    const early = archive([{ name: "kernel", mode: 0o40755 }, { name: "kernel/x86", mode: 0o40755 }, { name: "kernel/x86/microcode", mode: 0o40755 }, { name: ucode, data: "early" }]);
    const main = archive([...BASE, { name: "kernel", mode: 0o40755 }, { name: "kernel/x86", mode: 0o40755 }, { name: "kernel/x86/microcode", mode: 0o40755 }, { name: ucode, data: "main!" }]);
    const b = join(dir, "shadow.img");
    writeFileSync(b, Buffer.concat([early, gzipSync(main)]));
    const r = spawnSync(process.execPath, [cli, "diff", "--json", base, b], { encoding: "utf8" });
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.b.shadowed).toEqual([{ path: ucode, members: [0, 1] }]);
    expect(report.a.shadowed).toEqual([]);
    expect(report.b.members.map((m) => m.kind)).toEqual(["cpio", "gzip"]);
    expect(report.growth.members.map((m) => m.name)).toEqual(["1", "0"]);
    expect(report.growth.members.find((m) => m.name === "1")).toMatchObject({ a: null, b: main.length });
    const text = spawnSync(process.execPath, [cli, "diff", base, b], { encoding: "utf8" }).stdout;
    expect(text).toMatch(`shadowed in B: ${ucode} is in members 0, 1: the kernel keeps member 1's, the early microcode loader reads member 0's`);
  });

  it("reads one image from standard input and one from a URL; both from standard input is refused", async () => {
    const body = readFileSync(base);
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base.img`;
      // Not spawnSync: the server answers from this process's event loop.
      const child = spawn(process.execPath, [cli, "diff", "-", url]);
      child.stdin.end(body);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      const status = await new Promise((r) => child.on("close", r));
      expect(stderr).toBe("");
      expect(status).toBe(0);
    } finally {
      server.close();
    }
    const both = spawnSync(process.execPath, [cli, "diff", "-", "-"], { input: body, encoding: "utf8" });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/CPIOX_BAD_ARGUMENT: only one of the two images can be standard input/);
    const one = spawnSync(process.execPath, [cli, "diff", base], { encoding: "utf8" });
    expect(one.stderr).toMatch(/expected two images/);
  });

  it("an image of more entries than the limit is CPIOX_TOO_LARGE, not a partial difference", async () => {
    // Only A is over the limit (both are read at once: were both over it, either could fail first).
    const small = image(BASE.slice(0, 3), join(dir, "small.img"));
    await expect(diff(base, small, { maxEntries: 5 })).rejects.toMatchObject({ code: "CPIOX_TOO_LARGE", message: expect.stringMatching(/A: more than 5 entries \(DIFF_ENTRIES_MAX\)/) });
    expect((await diff(base, base, { maxEntries: BASE.length })).equal).toBe(true);
  });

  it("a damaged image is an error, not a difference", () => {
    const whole = archive(BASE);
    const cut = join(dir, "cut.img");
    writeFileSync(cut, whole.subarray(0, whole.length - 200));
    const r = spawnSync(process.execPath, [cli, "diff", base, cut], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/CPIOX_DAMAGED: B: CPIOX_TRUNCATED/);
  });
});

/** unmkinitramfs's output as one tree: its early*, main subdirectories merged in order when it split the image. */
function unpackWithInitramfsTools(img: string, out: string): string {
  sh(`unmkinitramfs ${img} ${out}/raw`);
  const parts = readdirSync(join(out, "raw"));
  if (!parts.includes("main")) return join(out, "raw");
  const order = parts.filter((p) => /^early\d*$/.test(p)).sort((x, y) => Number(x.slice(5) || 1) - Number(y.slice(5) || 1));
  sh(`mkdir -p ${out}/merged && for d in ${[...order, "main"].join(" ")}; do cp -a ${out}/raw/$d/. ${out}/merged/; done`);
  return join(out, "merged");
}

describe.skipIf(!isRoot)("cpiox diff of real images: mkinitramfs against dracut of the same kernel version", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("cpiox-diff-real-");
    sh(`bash ${join(import.meta.dirname, "fixtures/make-initramfs.sh")} ${dir}`);
  }, 300_000);
  afterAll(() => undefined);

  it("added, removed and changed paths equal those of manifests computed from unmkinitramfs's trees", () => {
    const a = join(dir, "mkinitramfs-gzip.img"), b = join(dir, "dracut-gzip.img");
    const ta = manifestOfTree(unpackWithInitramfsTools(a, join(dir, "ua")));
    const tb = manifestOfTree(unpackWithInitramfsTools(b, join(dir, "ub")));
    ta.delete(".");
    tb.delete(".");
    const expectedAdded = [...tb.keys()].filter((p) => !ta.has(p)).sort();
    const expectedRemoved = [...ta.keys()].filter((p) => !tb.has(p)).sort();
    const expectedChanged = [...ta.keys()].filter((p) => tb.has(p) && JSON.stringify(ta.get(p)) !== JSON.stringify(tb.get(p))).sort();
    // Real images of the two generators differ in hundreds of paths: the comparison means something.
    expect(expectedAdded.length + expectedRemoved.length).toBeGreaterThan(50);
    expect(expectedChanged.length).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [cli, "diff", "--json", a, b], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.added.map((p) => p.path)).toEqual(expectedAdded);
    expect(report.removed.map((p) => p.path)).toEqual(expectedRemoved);
    expect(report.changed.map((p) => p.path)).toEqual(expectedChanged);
    // Each changed path's fields, as the test's own manifests see them.
    const column: Record<string, string> = { digest: "content", target: "content", device: "content" };
    for (const c of report.changed) {
      const fa = ta.get(c.path)!, fb = tb.get(c.path)!;
      for (const f of c.fields) {
        if (f.field === "xattrs") continue;
        const key = (column[f.field] ?? f.field) as keyof typeof fa;
        expect(fa[key], `${c.path} ${f.field}`).not.toBe(fb[key]);
      }
    }
    // The same image against itself, compressed otherwise: equal.
    const same = spawnSync(process.execPath, [cli, "diff", join(dir, "mkinitramfs-gzip.img"), join(dir, "mkinitramfs-zstd.img")], { encoding: "utf8" });
    expect(same.stdout).toMatch(/equal/);
    expect(same.status).toBe(0);
  }, 120_000);
});
