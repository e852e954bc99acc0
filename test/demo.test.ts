// `npm run demo` (the README's first command) builds its sample image and walks every command over it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

it("the demo examines, lists, verifies and extracts its sample image", () => {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, "../dist/bench/demo.js")], { encoding: "utf8" });
  expect(out).toContain("## cpiox examine");
  expect(out).toMatch(/^1 +\d+ +\d+ +gzip/m);
  expect(out).toContain("lrwxrwxrwx");
  expect(out).toMatch(/^PASS: 975 bytes/m);
  expect(out).toContain("hard link: bin/sh and bin/busybox share inode yes (nlink 2)");
  expect(out).toContain("fifo:      run/initctl is a FIFO: true");
  expect(out).toContain("warnings:  none");
});
