// What `npm pack` ships: the CLI, the library and the WebAssembly modules; never the demo, the
// benchmarks, the fuzz harness or test helpers.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

it("npm pack --dry-run lists the library and the CLI, and nothing that only the repository needs", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(import.meta.dirname, ".."), encoding: "utf8" });
  const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
  for (const needed of ["bin/cpiox.cjs", "dist/cpiox.cjs", "dist/src/cli.js", "dist/src/index.js", "dist/src/index.d.ts", "build/core.wasm", "build/codecs.wasm", "package.json", "README.md", "LICENSE", "man/cpiox.1", "completions/cpiox.bash"]) {
    expect(files).toContain(needed);
  }
  expect(files.filter((f) => /^dist\/(bench|test)\/|demo\.|newc-writer\.|^test\/|^bench\/|^assembly\//.test(f))).toEqual([]);
});

it("require('cpiox') and import both give the library (Node 20.19+ loads ES modules from require)", () => {
  const dir = join(import.meta.dirname, "..");
  // Resolved by name, through package.json's "exports", as an installed package is.
  const user = mkdtempSync(join(tmpdir(), "cpiox-require-"));
  mkdirSync(join(user, "node_modules"));
  symlinkSync(dir, join(user, "node_modules/cpiox"));
  const code = `const c = require("cpiox"); if (typeof c.extract !== "function" || typeof c.ProgressLine !== "function") process.exit(3);`;
  expect(() => execFileSync(process.execPath, ["-e", code], { cwd: user })).not.toThrow();
  rmSync(user, { recursive: true, force: true });
  const pkg = JSON.parse(execFileSync("cat", [join(dir, "package.json")], { encoding: "utf8" }));
  expect(pkg.exports["."]).toMatchObject({ import: "./dist/src/index.js", default: "./dist/src/index.js" });
  expect(pkg.os).toEqual(["linux"]);
  expect(pkg.license).toBe("MIT");
});
