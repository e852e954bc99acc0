// Working on some entries only, as bsdtar users do: PATTERNs and --exclude on list and extract,
// -O (--to-stdout), --strip-components, and the library's filter/onentry; compared with bsdtar
// on the same real archive where bsdtar's patterns mean the same.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { extract, extractToStream, list, type Entry } from "../src/index.js";
import { Selection, stripComponents } from "../src/select/selection.js";
import { archive } from "./helpers/newc.js";
import { snapshot } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";

const cli = join(import.meta.dirname, "../bin/cpiox.cjs");
const cpiox = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "latin1" });
let img = "";
let src = "";

beforeAll(() => {
  const dir = tempDir("cpiox-select-");
  src = join(dir, "src");
  execFileSync("bash", ["-c", `mkdir -p src/etc/udev/rules.d src/bin src/usr/lib/mod && cd src &&
    echo a > etc/a.conf && echo b > etc/b.txt && echo r > etc/udev/rules.d/x.rules && printf 'sh data' > bin/sh &&
    echo t > bin/true && head -c 70000 /dev/urandom > usr/lib/mod/m.ko && ln bin/true bin/also-true &&
    find . -mindepth 1 -exec touch -h -d @1600000000 {} + &&
    find etc bin usr | LC_ALL=C sort | cpio --quiet -o -H newc > ../img.cpio`], { cwd: dir });
  img = join(dir, "img.cpio");
});

describe("PATTERN and --exclude", () => {
  // (bsdtar's "dir/*" also matches "dir" itself; cpiox's "*" never matches an empty component,
  // so such patterns are left out of the comparison.)
  it.each([
    [["etc"], []],
    [["etc/*.conf"], []],
    [["bin/sh", "usr"], []],
    [["etc"], ["etc/udev"]],
    [[], ["usr", "bin/sh"]],
  ])("list %j --exclude %j: the entries bsdtar -t selects", (patterns, exclude) => {
    const ex = exclude.flatMap((e) => ["--exclude", e]);
    const bsdtar = execFileSync("bsdtar", ["-tf", img, ...ex, ...patterns], { encoding: "latin1" });
    const r = cpiox("list", img, ...patterns, ...ex);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(bsdtar);
  });

  it("extract PATTERN: the same tree as bsdtar -x with that pattern", () => {
    for (const patterns of [["etc"], ["bin", "usr"]]) {
      const a = tempDir(), b = tempDir();
      expect(cpiox("extract", img, ...patterns, "-C", a).status).toBe(0);
      execFileSync("bsdtar", ["-xpf", img, "-C", b, ...patterns]);
      expect(snapshot(a)).toEqual(snapshot(b));
    }
  });

  it("a pattern that matches nothing is a warning (exit 1), as bsdtar's \"Not found in archive\"", () => {
    const r = cpiox("list", img, "etc", "no/such/path");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/warning CPIOX_PATTERN_UNMATCHED: "no\/such\/path" matched no entry/);
    expect(r.stdout.split("\n")[0]).toBe("etc");
  });

  it("a selected entry whose parents are not selected is skipped like the kernel's, unless --make-parents", () => {
    const a = tempDir();
    const r = cpiox("extract", img, "etc/udev/rules.d/x.rules", "-C", a);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CPIOX_MISSING_PARENT/);
    const b = tempDir();
    expect(cpiox("extract", img, "etc/udev/rules.d/x.rules", "--make-parents", "-C", b).status).toBe(0);
    expect(readFileSync(join(b, "etc/udev/rules.d/x.rules"), "latin1")).toBe("r\n");
  });

  it("a pattern picomatch cannot parse is a usage error, not a pattern that matches nothing", () => {
    const r = cpiox("list", img, "etc/[a");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/CPIOX_BAD_ARGUMENT: pattern: glob "etc\/\[a"/);
  });

  it("examine and verify take exactly one archive", () => {
    expect(cpiox("examine", img, "etc").status).toBe(2);
  });
});

describe("-O, --to-stdout", () => {
  it("the selected regular files' data, in archive order, byte for byte (bsdtar -xOf)", () => {
    for (const patterns of [["bin/sh"], ["usr/lib/mod/m.ko", "etc/a.conf"], ["etc"]]) {
      const r = spawnSync(process.execPath, [cli, "extract", img, "-O", ...patterns]);
      expect(r.status).toBe(0);
      expect(r.stdout.equals(execFileSync("bsdtar", ["-xOf", img, ...patterns]))).toBe(true);
    }
    const one = spawnSync(process.execPath, [cli, "extract", img, "-O", "usr/lib/mod/m.ko"]);
    expect(one.stdout.equals(readFileSync(join(src, "usr/lib/mod/m.ko")))).toBe(true);
  });

  it("through a compressed member and a pipe that reads slowly, nothing lost", () => {
    const dir = tempDir();
    const big = Buffer.alloc(5 << 20, 7);
    writeFileSync(join(dir, "img.gz"), gzipSync(archive([{ name: "big", data: big }, { name: "small", data: "s" }])));
    const out = execFileSync("bash", ["-c", `node ${cli} extract img.gz -O big | (sleep 0.3; cat) | sha256sum`], { cwd: dir, encoding: "latin1" });
    expect(out.split(" ")[0]).toBe(execFileSync("sha256sum", { input: big, encoding: "latin1" }).split(" ")[0]);
  });

  it("writes nothing to disk and cannot be combined with -C", () => {
    const r = cpiox("extract", img, "-O", "bin/sh", "-C", tempDir());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--to-stdout and --directory cannot be used together/);
  });
});

describe("--strip-components", () => {
  it("the same tree as bsdtar --strip-components", () => {
    for (const n of ["1", "2"]) {
      const a = tempDir(), b = tempDir();
      expect(cpiox("extract", img, "--strip-components", n, "-C", a).status).toBe(0);
      execFileSync("bsdtar", ["-xpf", img, "--strip-components", n, "-C", b]);
      expect(snapshot(a)).toEqual(snapshot(b));
    }
  });

  it("names keep their directory-only shape; nothing left means skipped", () => {
    expect(stripComponents(Buffer.from("./a/b/c"), 1)!.toString()).toBe("b/c");
    expect(stripComponents(Buffer.from("a/b/"), 1)!.toString()).toBe("b/");
    expect(stripComponents(Buffer.from("a/b/."), 1)!.toString()).toBe("b/.");
    expect(stripComponents(Buffer.from("a/b"), 2)).toBeNull();
    expect(() => stripComponents(Buffer.from("a"), -1)).toThrow(/whole number/);
    expect(cpiox("extract", img, "--strip-components", "x", "-C", tempDir()).status).toBe(2);
  });
});

describe("the library: patterns, filter, onentry, extractToStream", () => {
  it("filter skips entries (their data is not read), onentry sees each one extracted, after stripping", async () => {
    const seen: string[] = [];
    const dir = tempDir();
    await extract(img, {
      cwd: dir, patterns: ["etc", "bin"], exclude: ["etc/udev"], stripComponents: 1,
      filter: (e: Entry) => e.type !== "file" || e.size < 5,
      onentry: (e: Entry) => seen.push(e.path),
    });
    expect(seen).toEqual(["also-true", "true", "a.conf", "b.txt"]); // archive order; bin/sh is filtered out
    expect(Object.keys(snapshot(dir)).sort()).toEqual(["a.conf", "also-true", "b.txt", "true"]);
    expect(snapshot(dir)["true"].nlink).toBe(2); // the hard link survives the renaming
  });

  it("list and extractToStream select the same way", async () => {
    expect((await list(img, { patterns: ["bin/*"] })).map((e) => e.path).sort()).toEqual(["bin/also-true", "bin/sh", "bin/true"]);
    const chunks: Buffer[] = [];
    const { PassThrough } = await import("node:stream");
    const out = new PassThrough();
    out.on("data", (c: Buffer) => chunks.push(c));
    const r = await extractToStream(img, out, { patterns: ["bin/sh"] });
    expect(r).toMatchObject({ files: 1, bytes: 7 });
    expect(Buffer.concat(chunks).toString()).toBe("sh data");
  });

  it("a directory pattern selects what is under it, and only at component boundaries", () => {
    const s = new Selection({ patterns: ["etc"] });
    expect(["etc", "./etc/a", "/etc/udev/x", "etcetera", "x/etc"].map((n) => s.selects(Buffer.from(n)))).toEqual([true, true, true, false, false]);
    expect(s.unmatched()).toEqual([]);
  });
});

describe("--member (-P): working per member", () => {
  let multi = "", early = "", main = "";
  beforeAll(() => {
    const dir = tempDir("cpiox-members-");
    // An uncompressed early member (microcode, as mkinitramfs writes it) and a gzip main member.
    execFileSync("bash", ["-c", `mkdir -p e/kernel/x86/microcode && echo ucode > e/kernel/x86/microcode/GenuineIntel.bin &&
      (cd e && find kernel | cpio --quiet -o -H newc) > early.cpio && gzip -n -c ${img} > main.gz && cat early.cpio main.gz > multi.img`], { cwd: dir });
    multi = join(dir, "multi.img");
    early = join(dir, "early.cpio");
    main = join(dir, "main.gz");
  });

  it("list -P N lists that member's entries, as cpio -t of the member alone", () => {
    expect(cpiox("list", multi, "-P", "0").stdout).toBe(execFileSync("bash", ["-c", `cpio -t --quiet < ${early}`], { encoding: "latin1" }));
    expect(cpiox("list", multi, "--member", "1").stdout).toBe(execFileSync("bash", ["-c", `gzip -dc ${main} | cpio -t --quiet`], { encoding: "latin1" }));
    expect(cpiox("list", multi, "-P", "1,0").stdout.split("\n").length).toBe(cpiox("list", multi).stdout.split("\n").length);
  });

  it("extract -P 1 builds the main member's tree alone (bsdtar of that member)", () => {
    const a = tempDir(), b = tempDir();
    expect(cpiox("extract", multi, "-P", "1", "-C", a).status).toBe(0);
    execFileSync("bsdtar", ["-xpf", main, "-C", b]);
    expect(snapshot(a)).toEqual(snapshot(b));
  });

  it("verify -P checks only those members' entries; a member the image lacks is a warning; a bad number a usage error", () => {
    expect(cpiox("verify", multi, "-P", "0").stdout).toMatch(/entries 4: 1 files/);
    const r = cpiox("list", multi, "-P", "0,5");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CPIOX_PATTERN_UNMATCHED: member 5: the image has no such member/);
    expect(cpiox("list", multi, "-P", "one").status).toBe(2);
  });
});

describe("extract --split: a root per member", () => {
  it("early, early2 and main, as unmkinitramfs makes them, each with the kernel's semantics of its own", () => {
    const dir = tempDir("cpiox-split-");
    // Two early members (microcode for two vendors) and a gzip main member.
    execFileSync("bash", ["-c", `mkdir -p a/kernel/x86/microcode b/kernel/x86/microcode &&
      echo intel > a/kernel/x86/microcode/GenuineIntel.bin && echo amd > b/kernel/x86/microcode/AuthenticAMD.bin &&
      (cd a && find kernel | cpio --quiet -o -H newc) > e1 && (cd b && find kernel | cpio --quiet -o -H newc) > e2 &&
      gzip -n -c ${img} > m.gz && cat e1 e2 m.gz > multi.img && unmkinitramfs multi.img by-unmkinitramfs`], { cwd: dir });
    const r = cpiox("extract", join(dir, "multi.img"), "--split", "-C", join(dir, "by-cpiox"));
    expect(r.status).toBe(0);
    const ours = snapshot(join(dir, "by-cpiox")), theirs = snapshot(join(dir, "by-unmkinitramfs"));
    expect(Object.keys(ours).filter((p) => !p.includes("/"))).toEqual(["early", "early2", "main"]);
    // Same paths, types, modes and contents (unmkinitramfs's cpio does not restore directory times).
    const strip = (s: typeof ours) => Object.fromEntries(Object.entries(s).map(([p, n]) => [p, { type: n.type, mode: n.mode, sha: n.sha, target: n.target, linkGroup: n.linkGroup }]));
    expect(strip(ours)).toEqual(strip(theirs));
    expect(ours["main/etc/a.conf"].mtime).toBe(1600000000);
  });

  it("needs an empty directory, and cannot go to standard output", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x"), "");
    const r = cpiox("extract", img, "--split", "-C", dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/CPIOX_TARGET: --split needs an empty or missing directory/);
    expect(cpiox("extract", img, "--split", "-O").status).toBe(2);
  });
});
