// The hostile archives of the security tests: each tries to change something outside the root.
// Shared by the extraction tests (nothing outside changes) and verify (the default policy fails each).
import { readFileSync, readlinkSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { HandEntry } from "./newc.js";

export type Case = [string, (outside: string) => HandEntry[], ((root: string) => void)?];

export const hostileCases: Case[] = [
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

