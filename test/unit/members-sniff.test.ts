// members/sniff.ts on its own: the kernel's two-byte magic table, against real tools' output.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sniffCompression } from "../../src/members/sniff.js";

const input = Buffer.from("07070100000000000000000000000000000000000000000000000000000000");
const tools: [string, string[], string][] = [
  ["gzip", ["-c"], "gzip"],
  ["bzip2", ["-c"], "bzip2"],
  ["xz", ["-c", "--format=lzma"], "lzma"],
  ["xz", ["-c", "--check=crc32"], "xz"],
  ["lzop", ["-c"], "lzo"],
  ["lz4", ["-l", "-c"], "lz4"],
  ["zstd", ["-c", "-q"], "zstd"],
  ["lz4", ["-c"], "lz4-frame"],
];

describe("sniffCompression", () => {
  it.each(tools)("%s %j output is %s", (tool, args, name) => {
    const out = execFileSync(tool, args, { input });
    expect(sniffCompression(out)).toBe(name);
  });

  it("a cpio header, a lone byte, NUL padding and unknown bytes are no compression", () => {
    expect(sniffCompression(input)).toBeNull();
    expect(sniffCompression(Buffer.from([0x1f]))).toBeNull();
    expect(sniffCompression(Buffer.alloc(4))).toBeNull();
    expect(sniffCompression(Buffer.from("PK\x03\x04"))).toBeNull();
  });

  it("reads the first two bytes only, as the kernel does (gzip's second magic byte 0x9e too)", () => {
    expect(sniffCompression(Buffer.from([0x1f, 0x9e]))).toBe("gzip");
    expect(sniffCompression(Buffer.from([0x5d, 0x00, 0xff]))).toBe("lzma");
  });
});
