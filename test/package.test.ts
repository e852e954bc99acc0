// What `npm pack` ships: the CLI, the library and the WebAssembly modules; never the demo, the
// benchmarks, the fuzz harness or test helpers.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

it("npm pack --dry-run lists the library and the CLI, and nothing that only the repository needs", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(import.meta.dirname, ".."), encoding: "utf8" });
  const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
  for (const needed of ["bin/cpiox.cjs", "dist/cpiox.cjs", "dist/src/cli.js", "dist/src/index.js", "dist/src/index.d.ts", "build/core.wasm", "build/codecs.wasm", "package.json", "README.md"]) {
    expect(files).toContain(needed);
  }
  expect(files.filter((f) => /^dist\/(bench|test)\/|demo\.|newc-writer\.|^test\/|^bench\/|^assembly\//.test(f))).toEqual([]);
});
