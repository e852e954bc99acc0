// The edges a user meets: a target that is not what --atomic may replace, signals mid-extract,
// failures that must leave nothing behind, a closed stdout, every CLI failure as one coded line,
// names that print on one line, and hostile sizes. Each case runs the real command.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { extract, list } from "../src/index.js";
import { archive, entryBytes, type HandEntry } from "./helpers/newc.js";
import { tempDir } from "./helpers/tmp.js";
import { removeTreeAt } from "../src/extract/remove-tree.js";

const BIN = join(import.meta.dirname, "../bin/cpiox.cjs");
const isRoot = process.getuid!() === 0;
const INIT: HandEntry = { name: "init", mode: 0o100755, data: "#!/bin/sh\n" };
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];

interface Run { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null }

function cpiox(args: string[], opts: { input?: Buffer; user?: boolean; timeout?: number } = {}): Run {
  const [cmd, argv] = opts.user ? ["setpriv", [...NOBODY, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  const r = spawnSync(cmd, argv, { input: opts.input, encoding: "utf8", timeout: opts.timeout ?? 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** A failure is exactly one line "cpiox: error CPIOX_<CODE>: ..." and exit 2; never a stack trace. */
function expectCodedFailure(r: Run, code: string) {
  expect(r.stderr, r.stderr).toMatch(new RegExp(`^cpiox: error ${code}: [^\\n]*\\n$`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(2);
}

function imageFile(bytes: Buffer, dir = tempDir()): string {
  const f = join(dir, "image.cpio");
  writeFileSync(f, bytes);
  return f;
}

const small = archive([INIT, { name: "etc", mode: 0o40755 }, { name: "etc/hostname", data: "box\n" }]);

describe("--atomic never destroys what it must not", () => {
  it("a regular file as the target is refused and kept", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "keep.txt"), "data");
    expectCodedFailure(cpiox(["extract", imageFile(small), "-C", join(dir, "keep.txt"), "--atomic"]), "CPIOX_TARGET");
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("data");
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
  });

  it("a non-empty directory needs --replace; a symlink to a directory is refused and stays a symlink", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "root"));
    writeFileSync(join(dir, "root/old"), "old");
    const img = imageFile(small);
    expectCodedFailure(cpiox(["extract", img, "-C", join(dir, "root"), "--atomic"]), "CPIOX_TARGET");
    expect(readdirSync(join(dir, "root"))).toEqual(["old"]);
    symlinkSync("root", join(dir, "link"));
    expectCodedFailure(cpiox(["extract", img, "-C", join(dir, "link"), "--atomic", "--replace"]), "CPIOX_TARGET");
    expect(readlinkSync(join(dir, "link"))).toBe("root");
    expect(cpiox(["extract", img, "-C", join(dir, "root"), "--atomic", "--replace"]).status).toBe(0);
    expect(readdirSync(join(dir, "root")).sort()).toEqual(["etc", "init"]);
    const lone = cpiox(["extract", img, "-C", join(dir, "x"), "--replace"]);
    expect([lone.status, lone.stderr]).toEqual([2, "cpiox: error CPIOX_BAD_ARGUMENT: --replace needs --atomic\nTry 'cpiox extract --help' for more information.\n"]);
    // An empty directory is replaced without asking.
    mkdirSync(join(dir, "empty"));
    expect(cpiox(["extract", img, "-C", join(dir, "empty"), "--atomic"]).status).toBe(0);
    expect(readdirSync(dir).filter((n) => n.includes(".cpiox-"))).toEqual([]);
  });

  it("names that fit the archive's limit but not PATH_MAX under the temporary prefix: removed at any depth, the real error kept", async () => {
    const dir = tempDir();
    // 19 levels of 200-byte names: 3 800 bytes, past PATH_MAX once under the target's path.
    const entries: HandEntry[] = [INIT];
    let path = "";
    for (let i = 0; i < 19; i++) {
      path = path ? `${path}/${"d".repeat(199)}${i % 10}` : `${"d".repeat(199)}${i % 10}`;
      entries.push({ name: path, mode: 0o40755 });
    }
    entries.push({ name: `${path}/f`, data: "deep" });
    const img = archive(entries);
    const target = join(dir, "root");
    mkdirSync(target);
    writeFileSync(join(target, "old"), "old");
    await expect(extract(img, { cwd: target, atomic: true, replace: true, sha256: "0".repeat(64) }))
      .rejects.toMatchObject({ code: "CPIOX_DIGEST_MISMATCH" });
    expect(readdirSync(dir)).toEqual(["root"]);
    await extract(img, { cwd: target, atomic: true, replace: true });
    // Again over the deep tree: the old one is removed after the swap, however deep.
    const r = await extract(img, { cwd: target, atomic: true, replace: true });
    expect(r.warnings).toBe(0);
    expect(readdirSync(dir)).toEqual(["root"]);
    expect(removeTreeAt(target)).toBe(0);
    expect(existsSync(target)).toBe(false);
  });
});

/** Starts an extraction from a pipe that never closes, and resolves once it has written `ready`. */
function slowExtract(args: string[], ready: string, first: Buffer) {
  const child = spawn(process.execPath, [BIN, "extract", "-", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  child.stdin.write(first);
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  const started = new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (existsSync(ready)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - t0 > 20_000) {
        clearInterval(poll);
        reject(new Error(`never saw ${ready}: ${stderr}`));
      }
    }, 20);
  });
  return { child, started, exited };
}

describe("signals", () => {
  it.each([["SIGINT", 130], ["SIGTERM", 143]] as const)("%s during extract --atomic: exit %d, one coded line, no temporary tree left", async (signal, status) => {
    const dir = tempDir();
    const target = join(dir, "root");
    const first = archive([INIT, { name: "marker", data: "m" }], false);
    const run = slowExtract(["-C", target, "--atomic"], dir, first);
    await run.started;
    // Wait until the temporary tree holds the first entries, then interrupt.
    for (let i = 0; i < 500 && !readdirSync(dir).some((n) => n.startsWith(".root.cpiox-") && existsSync(join(dir, n, "marker"))); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readdirSync(dir).some((n) => n.startsWith(".root.cpiox-"))).toBe(true);
    run.child.kill(signal);
    const { code, stderr } = await run.exited;
    expect(code).toBe(status);
    expect(stderr).toBe(`cpiox: error CPIOX_INTERRUPTED: stopped by ${signal}\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("SIGINT without --atomic: exit 130, what was extracted stays (as documented)", async () => {
    const dir = tempDir();
    const target = join(dir, "root");
    const run = slowExtract(["-C", target], join(target, "marker"), archive([INIT, { name: "marker", data: "m" }], false));
    await run.started;
    run.child.kill("SIGINT");
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(readFileSync(join(target, "marker"), "utf8")).toBe("m");
  });
});

describe("failures leave nothing behind", () => {
  it("a failed extraction removes the target directory it created (and its created parents)", () => {
    const dir = tempDir();
    expectCodedFailure(cpiox(["extract", "/etc/passwd", "-C", join(dir, "new/deeper")]), "CPIOX_INVALID_MAGIC");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a target under /proc fails at once with a code", () => {
    const r = cpiox(["extract", imageFile(small), "-C", "/proc/cpiox-no-such-dir/x"], { timeout: 10_000 });
    expect(r.signal).toBeNull();
    expectCodedFailure(r, "CPIOX_TARGET");
  });

  it("create: a regular file as -C is refused; a failed write leaves no partial image", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    expectCodedFailure(cpiox(["create", "-C", join(dir, "file"), "-o", join(dir, "o.img")]), "CPIOX_INPUT");
    expectCodedFailure(cpiox(["create", "-C", join(dir, "missing"), "-o", join(dir, "o.img")]), "CPIOX_INPUT");
    expectCodedFailure(cpiox(["create", "--list", join(dir, "missing.list"), "-o", join(dir, "o.img")]), "CPIOX_INPUT");
    expectCodedFailure(cpiox(["create", "-C", dir, "-o", "/nonexistent/o.img"]), "CPIOX_OUTPUT");
    expect(readdirSync(dir)).toEqual(["file"]);
  });

  it.skipIf(!isRoot)("create: an unreadable file stops it with CPIOX_INPUT and no image (and an existing one is kept)", () => {
    const base = tempDir();
    chmodSync(base, 0o777);
    const tree = join(base, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "a"), "a".repeat(100_000));
    writeFileSync(join(tree, "secret"), "s");
    chmodSync(join(tree, "secret"), 0o000);
    const out = join(base, "out.img");
    writeFileSync(out, "previous image");
    chmodSync(out, 0o666);
    expectCodedFailure(cpiox(["create", "-C", tree, "-o", out], { user: true }), "CPIOX_INPUT");
    expect(readFileSync(out, "utf8")).toBe("previous image");
    expect(readdirSync(base).sort()).toEqual(["out.img", "tree"]);
  });

  it.skipIf(!isRoot)("a full filesystem: CPIOX_WRITE_FAILED; create leaves no partial image", () => {
    const mnt = tempDir();
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
    if (mounted.status !== 0) return; // no mount namespace rights here: nothing to test
    try {
      const big = archive([INIT, { name: "big", data: Buffer.alloc(200_000, 7) }]);
      const r = cpiox(["extract", imageFile(big), "-C", join(mnt, "root")]);
      expectCodedFailure(r, "CPIOX_WRITE_FAILED");
      const src = tempDir();
      writeFileSync(join(src, "big"), Buffer.alloc(200_000, 1));
      expectCodedFailure(cpiox(["create", "-C", src, "-o", join(mnt, "o.img")]), "CPIOX_OUTPUT");
      expect(existsSync(join(mnt, "o.img"))).toBe(false);
      expect(readdirSync(mnt).filter((n) => n.includes(".cpiox-"))).toEqual([]);
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});

describe("a closed standard output ends the command quietly", () => {
  const many = archive([INIT, ...Array.from({ length: 20_000 }, (_, i) => ({ name: `file-${i}`, data: "x" }))]);
  it.each([
    ["list"], ["list", "-v"], ["list", "--json"], ["verify"], ["examine", "--json"],
  ])("cpiox %s ... | head -c 1", (...args) => {
    const f = imageFile(many);
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" ${args.join(" ")} "${f}" | head -c 1 >/dev/null; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: "utf8" });
    expect(r.stderr).toMatch(/^status (0|141)\n$/);
  });

  it("create -o - | head -c 10", () => {
    const src = tempDir();
    writeFileSync(join(src, "big"), Buffer.alloc(4 << 20, 3));
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" create -C "${src}" -o - | head -c 10 >/dev/null; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: "utf8" });
    expect(r.stderr).toBe("status 141\n");
  });

  it("create -o - > /dev/full is CPIOX_OUTPUT", () => {
    const src = tempDir();
    writeFileSync(join(src, "a"), "a");
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" create -C "${src}" -o - > /dev/full`], { encoding: "utf8" });
    expectCodedFailure({ ...r, signal: null }, "CPIOX_OUTPUT");
  });

  it("standard input closed early, mid-entry: --atomic refuses the partial tree (CPIOX_INCOMPLETE), nothing left", () => {
    const dir = tempDir();
    const cut = archive([INIT, { name: "big", data: Buffer.alloc(100_000, 1) }]).subarray(0, 50_000);
    const r = cpiox(["extract", "-", "-C", join(dir, "root"), "--atomic"], { input: cut });
    expect(r.stderr).toMatch(/warning CPIOX_TRUNCATED: .*\ncpiox: error CPIOX_INCOMPLETE: /);
    expect(r.status).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("standard input closed: list - reads an empty input", () => {
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" verify - <&-`], { encoding: "utf8" });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect([1, 2]).toContain(r.status);
  });
});

describe("every CLI failure is one coded line", () => {
  it("inputs and targets that cannot be used", () => {
    const dir = tempDir();
    const img = imageFile(small, dir);
    for (const c of ["list", "examine", "extract"]) {
      expectCodedFailure(cpiox(c === "extract" ? [c, dir, "-C", join(dir, "out")] : [c, dir]), "CPIOX_INPUT");
    }
    writeFileSync(join(dir, "file"), "x");
    expectCodedFailure(cpiox(["extract", img, "-C", join(dir, "file")]), "CPIOX_TARGET");
    expectCodedFailure(cpiox(["verify", img, "--manifest", "/nonexistent/m"]), "CPIOX_OUTPUT");
    expectCodedFailure(cpiox(["list", join(dir, "missing")]), "CPIOX_INPUT");
  });

  it.skipIf(!isRoot)("without root: a root-owned target is CPIOX_TARGET; a root-owned 1777 one is filled with one warning", () => {
    const base = tempDir();
    chmodSync(base, 0o755);
    const imgDir = tempDir();
    chmodSync(imgDir, 0o755);
    const img = imageFile(archive([{ name: ".", mode: 0o40755 }, INIT]), imgDir);
    chmodSync(img, 0o644);
    expectCodedFailure(cpiox(["extract", img, "-C", base], { user: true }), "CPIOX_TARGET");
    const tmp = join(base, "tmp");
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777);
    const r = cpiox(["extract", img, "-C", tmp], { user: true });
    expect(r.status).toBe(1);
    expect([...r.stderr.matchAll(/warning (CPIOX_\w+)/g)].map((m) => m[1])).toEqual(["CPIOX_ATTRIBUTES_FAILED", "CPIOX_ATTRIBUTES_FAILED"]);
    expect(statSync(join(tmp, "init")).uid).toBe(65534);
    expect(statSync(tmp).mode & 0o7777).toBe(0o1777);
  });

  it("usage errors: one format, a hint instead of the whole help, conflicts and repeats refused; --version", () => {
    const f = imageFile(small);
    const usage = (args: string[], text: RegExp) => {
      const r = cpiox(args);
      expect(r.stderr).toMatch(/^cpiox: error CPIOX_BAD_ARGUMENT: .*\nTry 'cpiox( \w+)? --help' for more information\.\n$/);
      expect(r.stderr).toMatch(text);
      expect(r.status).toBe(2);
    };
    usage(["frobnicate"], /unknown command "frobnicate"/);
    usage([], /no command given/);
    usage(["list", "--bogus", f], /--bogus/);
    usage(["list", "--json", "-v", f], /--json and --verbose cannot be used together/);
    usage(["list", "--json", "--xattrs", f], /--json and --xattrs/);
    usage(["verify", "--json", "-q", f], /--json and --quiet/);
    usage(["extract", f, "-C", "a", "-C", "b"], /--directory given more than once/);
    usage(["extract", f], /-C DIR is required/);
    usage(["list", "--max-size", "lots", f], /--max-size takes a number/);
    usage(["create", "-C", ".", "-o", "x", "--format", "tar"], /--format must be newc, crc or newcx/);
    const v = cpiox(["--version"]);
    expect(v.stdout).toBe(`cpiox ${JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")).version}\n`);
    expect(v.status).toBe(0);
  });
});

describe("the upload gate", () => {
  it("an empty file and 4 KiB of zeros FAIL verify (exit 1); a directory and a missing file are unreadable (exit 2, report still printed)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty"), "");
    writeFileSync(join(dir, "zeros"), Buffer.alloc(4096));
    for (const name of ["empty", "zeros"]) {
      const r = cpiox(["verify", join(dir, name)]);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^FAIL: /);
      expect(r.stdout).toContain("CPIOX_RULE_EMPTY_IMAGE");
    }
    for (const path of [dir, join(dir, "missing")]) {
      const r = cpiox(["verify", path, "--json"]);
      expect(r.status).toBe(2);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ result: "unreadable", image: { size: 0, sha256: null }, error: { code: "CPIOX_INPUT" } });
      const human = cpiox(["verify", path]);
      expect(human.stdout).toMatch(/^UNREADABLE: /);
      expect(human.stdout).not.toContain("e3b0c4");
    }
  });
});

describe("messages", () => {
  it("list prints one line per entry: controls and backslashes escaped, \\xNN for bytes that are not UTF-8", () => {
    const img = archive([INIT, { name: "two\nlines", data: "" }, { name: "back\\slash" }, { name: "tab\there" },
      { name: Buffer.from([0x62, 0xff, 0x01]) }, { name: "caf\u00e9" }, { name: "x\\x41" }]);
    const r = cpiox(["list", imageFile(img)]);
    expect(r.stdout.split("\n").slice(0, -1)).toEqual(["init", "two\\nlines", "back\\\\slash", "tab\\there", "b\\xff\\x01", "caf\u00e9", "x\\\\x41"]);
    const json = cpiox(["list", "--json", imageFile(img)]).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(json[1].name).toBe("two\nlines");
    expect(json[4]).toMatchObject({ name: "b\\xff\\x01", nameHex: "62ff01" });
  });

  it("--max-size on a one-member plain archive names member 0; a truncated body names its entry", async () => {
    const img = archive([INIT, { name: "big", data: Buffer.alloc(5000) }]);
    const r = cpiox(["list", "--max-size", "1K", imageFile(img)]);
    expectCodedFailure(r, "CPIOX_TOO_LARGE");
    expect(r.stderr).toContain("member 0");
    const warnings: { code: string; entry?: string; member?: number }[] = [];
    await list(img.subarray(0, 1000), { onwarn: (w) => warnings.push(w) });
    expect(warnings).toEqual([expect.objectContaining({ code: "CPIOX_TRUNCATED", entry: "big", member: 0 })]);
  });
});

describe("hostile sizes", () => {
  it("a newcx entry declaring a 1 TiB body in a 308-byte input leaves the bytes that came, not a 1 TiB file", async () => {
    const dir = tempDir();
    const head = entryBytes({ name: "huge", magic: "070703", data: "only these bytes" });
    const bytes = Buffer.concat([head, Buffer.alloc(308 - head.length, 0x41)]);
    // The newcx filesize: 16 hex digits after magic, five 8-digit fields, the 16-digit mtime and its 8-digit nanoseconds.
    bytes.write("0000010000000000", 6 + 5 * 8 + 16 + 8, "latin1");
    const r = await extract(bytes, { cwd: dir, onwarn: () => undefined }).catch((e: unknown) => e);
    expect(r).not.toBeInstanceOf(Error);
    const st = lstatSync(join(dir, "huge"));
    expect(st.size).toBeLessThan(400);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
  });

  it("a gzip member holding an entry cut short leaves no declared-size file either", async () => {
    const dir = tempDir();
    const cut = archive([{ name: "f", filesize: 1 << 30, data: "abc" }], false);
    await extract(Buffer.concat([gzipSync(cut)]), { cwd: dir }).catch(() => undefined);
    if (existsSync(join(dir, "f"))) expect(lstatSync(join(dir, "f")).size).toBeLessThan(100);
  });
});
