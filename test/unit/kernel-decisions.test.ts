// One kernel rule through both of its users: decideByName (src/kernel/decisions.ts) decides, the
// extract sink and verify's tree model apply it, so they agree entry by entry.
import { describe, expect, it } from "vitest";
import { decideByName } from "../../src/kernel/decisions.js";
import { splitName } from "../../src/kernel/names.js";
import { verify } from "../../src/verify/index.js";
import { archive, type HandEntry } from "../helpers/newc.js";
import { extractBytes } from "../helpers/run.js";

const named = (name: string, type: "file" | "directory" | "fifo") => decideByName({ name: Buffer.from(name), type }, splitName(Buffer.from(name)));

describe("a name that can only name a directory", () => {
  it("decides: skip for a non-directory, the directory itself for a directory, place otherwise", () => {
    expect(["f/", ".", "..", "a/.", "b/..", "./"].map((n) => named(n, "file"))).toEqual(Array(6).fill("skip-directory-name"));
    expect(named("x/..", "fifo")).toBe("skip-directory-name");
    expect(["d/", "a/b/"].map((n) => named(n, "directory"))).toEqual(["place", "place"]);
    expect([".", "..", "a/.", "./"].map((n) => named(n, "directory"))).toEqual(Array(4).fill("directory-itself"));
    expect(named("a/b", "file")).toBe("place");
  });

  it("extract warns CPIOX_DIRECTORY_NAME and verify finds CPIOX_RULE_KERNEL_SKIPS on exactly the same entries", async () => {
    const entries: HandEntry[] = [
      { name: "init", mode: 0o100755, data: "#!/bin/sh\n" },
      { name: "d", mode: 0o40755 },
      { name: "d/", data: "file named like a directory" },
      { name: ".", data: "a file named dot" },
      { name: "d/..", mode: 0o10644 },
      { name: "d/sub/", mode: 0o40755 },
      { name: "ok", data: "placed" },
    ];
    const img = archive(entries);
    const extracted = await extractBytes(img);
    const warned = extracted.warnings.filter((w) => w.code === "CPIOX_DIRECTORY_NAME").map((w) => w.entry);
    const { report } = await verify(img);
    const found = report.findings.filter((f) => f.rule === "CPIOX_RULE_KERNEL_SKIPS").map((f) => f.path);
    expect(warned).toEqual(["d/", ".", "d/.."]);
    expect(found).toEqual(warned);
  });
});
