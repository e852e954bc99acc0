// Hostile archives: nothing outside the extraction root may change, whatever the archive holds.
// Each case runs with the kernel's RESOLVE_IN_ROOT and with the userspace resolver.
import { mkdirSync, writeFileSync, readFileSync, readlinkSync, lstatSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archive, type HandEntry } from "../helpers/newc.js";
import { extractBytes } from "../helpers/run.js";
import { snapshot } from "../helpers/tree.js";
import { tempDir } from "../helpers/tmp.js";

function sandbox() {
  const box = tempDir("cpiox-sec-");
  const outside = join(box, "outside");
  mkdirSync(join(outside, "etc"), { recursive: true });
  writeFileSync(join(outside, "etc/passwd"), "root:x:0:0\n");
  writeFileSync(join(outside, "victim"), "precious");
  const root = join(box, "root");
  mkdirSync(root);
  return { box, outside, root };
}

function outsideState(box: string) {
  const snap = snapshot(box);
  return Object.fromEntries(Object.entries(snap).filter(([p]) => p !== "root" && !p.startsWith("root/")));
}

type Case = [string, (outside: string) => HandEntry[], ((root: string) => void)?];

const cases: Case[] = [
  ["dot-dot names", () => [{ name: "../victim", data: "pwned" }, { name: "a/../../victim", data: "pwned" },
    { name: "../outside/victim", data: "pwned" }, { name: "../../../../outside/victim", data: "pwned" }]],
  ["absolute names", (o) => [{ name: `${o}/victim`, data: "pwned" }, { name: "/victim", data: "inside" }],
    (root) => expect(readFileSync(join(root, "victim"), "latin1")).toBe("inside")],
  ["symlink to an outside directory, then a write through it", (o) => [
    { name: "l", mode: 0o120777, data: o }, { name: "l/victim", data: "pwned" },
    { name: "r", mode: 0o120777, data: "../outside" }, { name: "r/victim", data: "pwned" },
    { name: "r/etc/passwd", data: "pwned" }]],
  ["symlink chains", () => [
    { name: "a", mode: 0o120777, data: "b" }, { name: "b", mode: 0o120777, data: "c" },
    { name: "c", mode: 0o120777, data: "../../.." }, { name: "a/outside/victim", data: "pwned" }]],
  ["a directory replaced by a symlink (node-tar CVE-2021-32803 shape)", (o) => [
    { name: "d", mode: 0o40755 }, { name: "d/ok", data: "fine" }, { name: "d/ok", mode: 0o000000 },
    { name: "d", mode: 0o120777, data: o }, { name: "d/victim", data: "pwned" },
    { name: "e", mode: 0o40755 }, { name: "e", mode: 0o120777, data: "../outside" }, { name: "e/victim", data: "pwned" }]],
  ["a symlink at the final component is replaced, never followed", (o) => [
    { name: "f", mode: 0o120777, data: `${o}/victim` }, { name: "f", data: "replaced" },
    { name: "g", mode: 0o120777, data: `${o}/etc` }, { name: "g", mode: 0o40700 },
    { name: "h", mode: 0o120777, data: `${o}/victim` }, { name: "h", mode: 0o10600 }],
    (root) => {
      expect(readFileSync(join(root, "f"), "latin1")).toBe("replaced");
      expect(lstatSync(join(root, "g")).isDirectory()).toBe(true);
    }],
  ["hard links through symlinks", (o) => [
    { name: "s", mode: 0o120777, data: o },
    { name: "s/victim", ino: 9, nlink: 2 }, { name: "h1", ino: 9, nlink: 2, data: "pwned" },
    { name: "a", ino: 10, nlink: 2, data: "x" }, { name: "a", mode: 0o120777, data: `${o}/victim` },
    { name: "b", ino: 10, nlink: 2, data: "pwned" }],
    (root) => expect(readlinkSync(join(root, "a"))).toContain("victim")],
  ["'..' directory entries and '.' on the root", () => [
    { name: "..", mode: 0o40777, mtime: 1 }, { name: "../..", mode: 0o40777 }, { name: "x/..", mode: 0o40777 },
    { name: ".", mode: 0o40700 }]],
  ["devices and FIFOs through symlinks", (o) => [
    { name: "l", mode: 0o120777, data: o }, { name: "l/fifo", mode: 0o10666 },
    { name: "l/null", mode: 0o20666, rdevMajor: 1, rdevMinor: 3 }]],
  ["deferred directory times after the directory became a symlink", (o) => [
    { name: "d", mode: 0o40755, mtime: 1 }, { name: "d", data: "file now" },
    { name: "d", mode: 0o120777, data: o }]],
];

const variants = (["openat2", "userspace"] as const).flatMap((r) => [1, 7, Infinity].map((c) => [r, c] as const));

describe.each(variants)("escape attempts (%s resolver, chunks of %s)", (resolver, chunk) => {
  it.each(cases)("%s: nothing outside the root changes", async (_name, build, check) => {
    const { box, outside, root } = sandbox();
    const before = outsideState(box);
    const r = await extractBytes(archive(build(outside)), chunk, { resolver }, root);
    expect(r.error).toBeNull();
    expect(outsideState(box)).toEqual(before);
    expect(readFileSync(join(outside, "victim"), "latin1")).toBe("precious");
    expect(readFileSync(join(outside, "etc/passwd"), "latin1")).toBe("root:x:0:0\n");
    check?.(root);
  });

  it("an absolute symlink target resolves inside the root (chroot semantics)", async () => {
    const { root } = sandbox();
    const img = archive([
      { name: "etc", mode: 0o40755 }, { name: "link", mode: 0o120777, data: "/etc" },
      { name: "link/hostname", data: "inside" }, { name: "up", mode: 0o120777, data: "../../../etc" },
      { name: "up/issue", data: "also inside" },
    ]);
    const r = await extractBytes(img, chunk, { resolver }, root);
    expect(r.error).toBeNull();
    expect(readFileSync(join(root, "etc/hostname"), "latin1")).toBe("inside");
    expect(readFileSync(join(root, "etc/issue"), "latin1")).toBe("also inside");
    expect(existsSync("/etc/issue") ? readFileSync("/etc/issue", "latin1") : "").not.toBe("also inside");
  });
});
