// The cpiox command as a user runs it: help, exit statuses, list/examine/extract output.
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { archive } from "./helpers/newc.js";
import { tempDir } from "./helpers/tmp.js";

const BIN = join(import.meta.dirname, "../bin/cpiox.cjs");
const isRoot = process.getuid!() === 0;

function cpiox(args: string[], opts: { input?: Buffer; user?: boolean } = {}) {
  const cmd = opts.user ? "setpriv" : process.execPath;
  const argv = opts.user
    ? ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, ...args]
    : [BIN, ...args];
  const r = spawnSync(cmd, argv, { input: opts.input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sample = Buffer.concat([
  archive([{ name: "early", mode: 0o40755 }, { name: "early/ucode.bin", data: "UCODE" }]),
  gzipSync(archive([
    { name: "bin", mode: 0o40755, mtime: 1700000000 },
    { name: "bin/sh", mode: 0o104755, data: "#!/bin/sh\n", uid: 0, gid: 0, mtime: 1700000000 },
    { name: "bin/ln", mode: 0o120777, data: "sh" },
    { name: "dev", mode: 0o40755 },
    { name: "dev/console", mode: 0o20600, rdevMajor: 5, rdevMinor: 1 },
    { name: "dev/initctl", mode: 0o10600 },
    { name: "owned", data: "o", uid: 1234, gid: 5678 },
    { name: "ro", mode: 0o40555 },
    { name: "ro/inside", data: "written before the mode" },
  ])),
]);

function sampleFile(): string {
  const f = join(tempDir(), "sample.img");
  writeFileSync(f, sample);
  return f;
}

describe("cpiox CLI", () => {
  it("--help for the command and each subcommand", () => {
    expect(cpiox(["--help"]).stdout).toContain("Usage: cpiox <command>");
    for (const c of ["extract", "list", "examine"]) {
      const r = cpiox([c, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: cpiox ${c}`);
    }
  });

  it("usage errors exit 2", () => {
    expect(cpiox([]).status).toBe(2);
    expect(cpiox(["frobnicate"]).status).toBe(2);
    expect(cpiox(["extract", sampleFile()]).stderr).toContain("-C DIR is required");
    expect(cpiox(["list", "--bogus", "x"]).status).toBe(2);
    const missing = cpiox(["list", "/nonexistent/image"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("CPIOX_INPUT");
  });

  it("list, list -v and list --json", () => {
    const f = sampleFile();
    const plain = cpiox(["list", f]);
    expect(plain.status).toBe(0);
    expect(plain.stdout.split("\n").filter(Boolean)).toEqual([
      "early", "early/ucode.bin", "bin", "bin/sh", "bin/ln", "dev", "dev/console", "dev/initctl", "owned", "ro", "ro/inside",
    ]);
    const long = cpiox(["list", "-v", "--utc", f]).stdout;
    expect(long).toMatch(/^-rwsr-xr-x +1 +root +root +10 2023-11-14 22:13 bin\/sh$/m);
    expect(cpiox(["list", "-v", "--utc", "--numeric", f]).stdout).toMatch(/^-rwsr-xr-x +1 +0 +0 +10 2023-11-14 22:13 bin\/sh$/m);
    expect(long).toMatch(/^lrwxrwxrwx .* bin\/ln -> sh$/m);
    expect(long).toMatch(/^crw------- .* 5, 1 .* dev\/console$/m);
    const json = cpiox(["list", "--json", f]).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(json[3]).toMatchObject({ name: "bin/sh", type: "file", mode: 0o4755, size: 10, member: 1 });
    expect(json[4]).toMatchObject({ name: "bin/ln", type: "symlink", target: "sh" });
  });

  it("list reads stdin with -", () => {
    const r = cpiox(["list", "-"], { input: sample });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("early/ucode.bin");
  });

  it("examine prints one row per member; --json one object", () => {
    const f = sampleFile();
    const r = cpiox(["examine", "-b", f]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^0 +0 +\d+ +cpio +\d+ +\d+ +- +2  -$/m);
    expect(r.stdout).toMatch(/^1 +\d+ +\d+ +gzip +\d+ +\d+ +\d+\.\d\dx +9  - +flags=0x0 /m);
    expect(r.stdout).toMatch(new RegExp(`^${sample.length} bytes, 2 member\\(s\\)$`, "m"));
    // By default sizes are for people, with the exact total after them.
    const human = cpiox(["examine", f]).stdout;
    expect(human).toMatch(/^0 +0 +\d+ +cpio +\d+ B +\d+ B +- +2  -$/m);
    expect(human).toMatch(new RegExp(`\\(${sample.length} bytes\\), 2 member\\(s\\)$`, "m"));
    expect(cpiox(["examine", "--count", f]).stdout).toBe("member 0 (cpio): 2 entries\nmember 1 (gzip): 9 entries\ntotal: 11 entries in 2 member(s)\n");
    const j = JSON.parse(cpiox(["examine", "--json", f]).stdout);
    expect(j.members.map((m: { kind: string }) => m.kind)).toEqual(["cpio", "gzip"]);
    expect(j.size).toBe(sample.length);
  });

  it.skipIf(!isRoot)("extract as root: everything, exit 0", () => {
    const dir = join(tempDir(), "new-root");
    const r = cpiox(["extract", sampleFile(), "-C", dir]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("extracted 11 entries");
    expect(lstatSync(join(dir, "dev/console")).isCharacterDevice()).toBe(true);
    expect(lstatSync(join(dir, "owned")).uid).toBe(1234);
    expect(lstatSync(join(dir, "ro")).mode & 0o7777).toBe(0o555);
  });

  it.skipIf(!isRoot)("extract without root: privileged steps skipped with one warning per kind, exit 1", () => {
    const base = tempDir();
    chmodSync(base, 0o777);
    const f = join(base, "sample.img");
    writeFileSync(f, sample);
    const dir = join(base, "user-root");
    const r = cpiox(["extract", f, "-C", dir], { user: true });
    expect(r.status).toBe(1);
    const codes = [...r.stderr.matchAll(/warning (CPIOX_\w+)/g)].map((m) => m[1]);
    // Owners are skipped silently without root, as tar and cpio do; --same-owner asks for them.
    expect(codes.sort()).toEqual(["CPIOX_NOT_ROOT_DEVICE"]);
    const asked = cpiox(["extract", f, "-C", join(base, "asked"), "--same-owner"], { user: true });
    expect([...asked.stderr.matchAll(/warning (CPIOX_\w+)/g)].map((m) => m[1]).sort()).toEqual(["CPIOX_NOT_ROOT_DEVICE", "CPIOX_NOT_ROOT_OWNER"]);
    expect(existsSync(join(dir, "dev/console"))).toBe(false);
    expect(lstatSync(join(dir, "dev/initctl")).isFIFO()).toBe(true);
    expect(lstatSync(join(dir, "owned")).uid).toBe(65534);
    // A read-only directory is filled, then gets its exact mode.
    expect(readFileSync(join(dir, "ro/inside"), "latin1")).toBe("written before the mode");
    expect(lstatSync(join(dir, "ro")).mode & 0o7777).toBe(0o555);
    expect(lstatSync(join(dir, "bin/sh")).mode & 0o7777).toBe(0o4755);
  });

  it("--strict makes a warning fatal (exit 2); errors name code, member and offset", () => {
    const f = join(tempDir(), "w.img");
    writeFileSync(f, archive([{ name: "d", mode: 0o40755, data: "x" }]));
    const dir = tempDir();
    expect(cpiox(["extract", f, "-C", dir]).status).toBe(1);
    const strict = cpiox(["extract", "--strict", f, "-C", tempDir()]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toContain("CPIOX_STRICT");
    const bad = join(tempDir(), "bad.img");
    writeFileSync(bad, Buffer.concat([archive([{ name: "a" }]), Buffer.from("JUNKJUNK")]));
    const e = cpiox(["list", bad]);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/CPIOX_INVALID_MAGIC.*member 1, offset 236/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("cpiox CLI: decompression-bomb options and container facts", () => {
  it("--max-size takes suffixes and stops with CPIOX_TOO_LARGE; bad values are usage errors", () => {
    const f = sampleFile();
    const r = cpiox(["list", "--max-size", "1k", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("CPIOX_TOO_LARGE");
    expect(cpiox(["list", "--max-size", "1M", f]).status).toBe(0);
    const bad = cpiox(["list", "--max-ratio", "lots", f]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--max-ratio takes a number");
  });

  it("examine shows what each container header says", () => {
    const r = cpiox(["examine", sampleFile()]);
    expect(r.stdout).toMatch(/gzip .* flags=0x0 mtime=0 os=\d+/);
  });
});

import { parseSize } from "../src/cli.js";
it("parseSize reads K/M/G/T as binary multiples", () => {
  expect([parseSize("10", "x"), parseSize("2K", "x"), parseSize("1.5m", "x"), parseSize("32GiB", "x"), parseSize(undefined, "x")])
    .toEqual([10, 2048, 1572864, 32 * 2 ** 30, undefined]);
  expect(() => parseSize("-1", "--max-size")).toThrow("--max-size takes a number");
});

describe("cpiox CLI: xattrs", () => {
  const img = () => {
    const f = join(tempDir(), "x.img");
    writeFileSync(f, archive([
      { magic: "070703", name: "bin", mode: 0o40755, xattrs: [["security.selinux", "system_u:object_r:bin_t:s0\0"]] },
      { magic: "070703", name: "bin/sh", data: "x", xattrs: [["security.ima", Buffer.from([3, 2, 4, 0xff])]] },
      { name: "plain", data: "y" },
    ]));
    return f;
  };

  it("list -v marks entries with xattrs; --xattrs prints them; --json includes them", () => {
    const f = img();
    const long = cpiox(["list", "-v", f]).stdout.split("\n");
    expect(long[0]).toMatch(/^drwxr-xr-x@ /);
    expect(long[2]).toMatch(/^-rw-r--r--  /);
    const x = cpiox(["list", "--xattrs", f]).stdout;
    expect(x).toBe('bin\n    security.selinux="system_u:object_r:bin_t:s0\\u0000"\nbin/sh\n    security.ima=0x030204ff\nplain\n');
    const json = cpiox(["list", "--json", f]).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(json[1].xattrs).toEqual([{ name: "security.ima", value: "030204ff" }]);
    expect(json[2].xattrs).toBeUndefined();
  });

  it("examine counts the entries that carry xattrs per encoding", () => {
    const r = cpiox(["examine", "--json", img()]);
    expect(JSON.parse(r.stdout).members[0].xattrEntries).toEqual({ newcx: 2, metadata: 0, "xattr-list": 0 });
    expect(cpiox(["examine", img()]).stdout).toMatch(/ 3  newcx:2/);
  });
});

import { fromTarSpelling } from "../src/cli.js";
describe("bsdtar's spellings", () => {
  it("-tf, -tvf, -xf ... -C map to list, list -v and extract", () => {
    expect(fromTarSpelling(["-tf", "img"])).toEqual(["list", "img"]);
    expect(fromTarSpelling(["-tvf", "img", "etc"])).toEqual(["list", "img", "-v", "etc"]);
    expect(fromTarSpelling(["-xf", "img", "-C", "dir"])).toEqual(["extract", "img", "-C", "dir"]);
    expect(fromTarSpelling(["list", "img"])).toBeNull();
    expect(fromTarSpelling(["-V"])).toBeNull();
  });

  it("the same output as the commands they stand for; bad bundles are usage errors", () => {
    const f = sampleFile();
    expect(cpiox(["-tvf", f]).stdout).toBe(cpiox(["list", "-v", f]).stdout);
    expect(cpiox(["-tf", f]).stdout).toBe(cpiox(["list", f]).stdout);
    for (const bad of [["-txf", f], ["-t", f], ["-tfv", f], ["-xvf", f, "-C", "x"], ["-tf"]]) {
      const r = cpiox(bad);
      expect(r.status, bad.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/CPIOX_BAD_ARGUMENT/);
    }
  });
});

import { ownerNames } from "../src/cli/format.js";
describe("list -v: owners and times as ls and tar show them", () => {
  it("times in local time unless --utc; --utc and --numeric need -v", () => {
    const f = sampleFile();
    const at = (tz: string, ...extra: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, "../bin/cpiox.cjs"), "list", "-v", ...extra, f],
      { encoding: "utf8", env: { ...process.env, TZ: tz } }).stdout;
    expect(at("Asia/Kolkata")).toMatch(/ 2023-11-15 03:43 bin\/sh$/m); // 22:13 UTC + 5:30
    expect(at("Asia/Kolkata", "--utc")).toMatch(/ 2023-11-14 22:13 bin\/sh$/m);
    for (const opt of ["--utc", "--numeric"]) {
      const r = cpiox(["list", opt, f]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${opt} applies to -v`));
    }
  });

  it("names come from the image's own etc/passwd and etc/group, even when they come last; else the host's", () => {
    const dir = tempDir();
    const owned = [
      { name: "etc", mode: 0o40755 },
      { name: "srv", mode: 0o40755, uid: 101, gid: 102 },
      { name: "srv/data", data: "x", uid: 101, gid: 0 },
    ];
    const withBoth = join(dir, "both.img");
    writeFileSync(withBoth, gzipSync(archive([...owned,
      { name: "etc/passwd", data: "root:x:0:0:root:/root:/bin/sh\nsvc:x:101:102::/:/usr/sbin/nologin\n" },
      { name: "etc/group", data: "wheel:x:0:\nsvcgrp:x:102:\n" }])));
    const lines = cpiox(["list", "-v", withBoth]).stdout;
    expect(lines).toMatch(/^d\S+ +\d+ +svc +svcgrp .* srv$/m);
    expect(lines).toMatch(/^-\S+ +\d+ +svc +wheel .* srv\/data$/m);
    // --numeric keeps numbers.
    expect(cpiox(["list", "-v", "--numeric", withBoth]).stdout).toMatch(/^-\S+ +\d+ +101 +0 .* srv\/data$/m);
    // Only a passwd in the image: groups by the host's names (gid 0 is root on any Linux host).
    const passwdOnly = join(dir, "passwd-only.img");
    writeFileSync(passwdOnly, archive([...owned, { name: "etc/passwd", data: "svc:x:101:102::/:/bin/false\n" }]));
    expect(cpiox(["list", "-v", passwdOnly]).stdout).toMatch(/^-\S+ +\d+ +svc +root .* srv\/data$/m);
    // The later of two etc/passwd entries wins, as at unpack.
    const twice = join(dir, "twice.img");
    writeFileSync(twice, archive([...owned, { name: "etc/passwd", data: "old:x:101:0::/:/bin/false\n" }, { name: "./etc/passwd", data: "new:x:101:0::/:/bin/false\n" }]));
    expect(cpiox(["list", "-v", twice]).stdout).toMatch(/^-\S+ +\d+ +new +root .* srv\/data$/m);
  });

  it("names come from passwd and group text; an id without a name stays a number", () => {
    const n = ownerNames("root:x:0:0:root:/root:/bin/sh\nsvc:x:101:102::/:/usr/sbin/nologin\n", "root:x:0:\nsvc:x:102:\n");
    expect([n.user(0), n.user(101), n.user(5), n.group(102), n.group(7)]).toEqual(["root", "svc", "5", "svc", "7"]);
  });
});
