// The progress line: its text, and that it appears only on a terminal and never with --json.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import { humanBytes, progressLine, ProgressLine } from "../src/input/progress.js";
import { archive } from "./helpers/newc.js";
import { chunked } from "./helpers/feed.js";
import { tempDir } from "./helpers/tmp.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write(s: string) { writes.push(s); return true; } };
}

describe("progress", () => {
  it("formats bytes, total, rate, ETA and member", () => {
    expect(humanBytes(1536)).toBe("1.5 KiB");
    expect(progressLine({ bytes: 50 << 20, total: 200 << 20, elapsed: 2, member: "member 1 (gzip)" }))
      .toBe("50.0 MiB of 200.0 MiB (25%), 25.0 MiB/s, ETA 6 s, member 1 (gzip)");
    expect(progressLine({ bytes: 10, elapsed: 0 })).toBe("10 B, 0 B/s");
  });

  it("counts the bytes it passes on and clears its line", async () => {
    const out = fakeStream(true);
    const p = new ProgressLine(out, 0);
    p.setTotal(1000);
    let n = 0;
    for await (const c of p.count(chunked(new Uint8Array(1000), 100))) n += c.length;
    expect(n).toBe(1000);
    expect(out.writes.some((w) => w.includes("1000 B of 1000 B (100%)"))).toBe(true);
    p.clear();
    expect(out.writes.at(-1)).toMatch(/^\r +\r$/);
  });

  it("the CLI shows it on a terminal, never without one or with --json", async () => {
    const f = join(tempDir(), "img");
    // Bootable (an /init), so verify passes and only the progress line is on stderr.
    writeFileSync(f, Buffer.concat([archive([{ name: "init", mode: 0o100755, data: "1" }]), gzipSync(archive([{ name: "b", data: "2" }]))]));
    const run = async (args: string[], tty: boolean) => {
      const out = fakeStream(false), err = fakeStream(tty);
      const code = await main(args, out as never, err as never);
      return { code, err: err.writes.join("") };
    };
    const tty = await run(["examine", f], true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain("\r");
    expect((await run(["examine", f], false)).err).toBe("");
    expect((await run(["examine", "--json", f], true)).err).toBe("");
    expect((await run(["examine", "--no-progress", f], true)).err).toBe("");
    // verify: the line is shown, then cleared before the summary; never with --json.
    const verified = await run(["verify", f], true);
    expect(verified.code).toBe(0);
    expect(verified.err).toMatch(/\r +\r$/);
    expect((await run(["verify", "--json", f], true)).err).toBe("");
  });
});
