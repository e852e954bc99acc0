// bin/cpiox.cjs runs the CLI bundle with V8's code cache beside it: the cache is written when
// missing, rewritten when V8 rejects it, and never needed (a read-only installation runs without).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/tmp.js";

const ROOT = join(import.meta.dirname, "..");

/** A copy of what the package installs: bin, the bundle, the wasm modules, package.json. */
function installed(): string {
  const dir = tempDir("cpiox-installed-");
  for (const part of ["bin", "build/core.wasm", "build/codecs.wasm", "dist/cpiox.cjs", "package.json"]) {
    mkdirSync(join(dir, part, ".."), { recursive: true });
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const run = (dir: string, args: string[], asUser = false) => execFileSync(
  asUser ? "setpriv" : process.execPath,
  asUser ? ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, join(dir, "bin/cpiox.cjs"), ...args] : [join(dir, "bin/cpiox.cjs"), ...args],
  { encoding: "utf8" });

describe("the CLI bundle's code cache", () => {
  it("is written on the first run, kept when valid, and rewritten when V8 rejects it", () => {
    const dir = installed();
    const cache = join(dir, "dist/cpiox.cjs.cache");
    expect(existsSync(cache)).toBe(false);
    expect(run(dir, ["--version"])).toMatch(/^cpiox \d+\.\d+\.\d+\n$/);
    const first = readFileSync(cache);
    expect(first.length).toBeGreaterThan(1000);
    run(dir, ["--version"]);
    expect(readFileSync(cache).equals(first)).toBe(true); // accepted: not rewritten
    writeFileSync(cache, Buffer.alloc(first.length, 0x5a)); // what another Node version's cache looks like to V8
    expect(run(dir, ["--help"])).toContain("Usage: cpiox");
    expect(readFileSync(cache).equals(Buffer.alloc(first.length, 0x5a))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(process.getuid?.() !== 0)("a read-only installation runs without one", () => {
    const dir = installed();
    for (const d of [dir, join(dir, "dist"), join(dir, "bin"), join(dir, "build")]) chmodSync(d, 0o755);
    chmodSync(join(dir, "dist"), 0o555);
    expect(run(dir, ["--version"], true)).toMatch(/^cpiox /);
    expect(existsSync(join(dir, "dist/cpiox.cjs.cache"))).toBe(false);
    chmodSync(join(dir, "dist"), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });
});
