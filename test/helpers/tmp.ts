// Temporary directories on tmpfs when available (xattrs and speed), removed after each test file.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const made: string[] = [];

export function tempDir(prefix = "cpiox-"): string {
  const d = mkdtempSync(join(base, prefix));
  made.push(d);
  return d;
}

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
