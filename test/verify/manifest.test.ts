// Reference manifests: --manifest of an image, then --against it is clean; each kind of change is reported.
import { describe, expect, it } from "vitest";
import { archive, type HandEntry } from "../helpers/newc.js";
import { verify } from "../../src/verify/index.js";
import { formatManifest, MANIFEST_HEADER, parseManifest } from "../../src/verify/manifest.js";

const base: HandEntry[] = [
  { name: "etc", mode: 0o40755 },
  { name: "etc/passwd", data: "root:x:0:0\n", uid: 0, gid: 0 },
  { name: "etc/mtab", mode: 0o120777, data: "/proc/mounts" },
  { name: "bin", mode: 0o40755 },
  { name: "bin/sh", data: "#!binary", mode: 0o100755, ino: 5, nlink: 2 },
  { name: "bin/ash", data: "", mode: 0o100755, ino: 5, nlink: 2 },
  { name: "dev", mode: 0o40755 },
  { name: "dev/console", mode: 0o20600, rdevMajor: 5, rdevMinor: 1 },
  { name: Buffer.from("bin/na\tme\xff", "latin1"), data: "odd name" },
  { name: "sec", magic: "070703", xattrs: [["security.selinux", "system_u:object_r:etc_t:s0"]] },
];

const manifestFindings = (r: { findings: { rule: string }[] }) => r.findings.filter((f) => f.rule.startsWith("CPIOX_RULE_MANIFEST"));

async function manifestOf(entries: HandEntry[]) {
  return parseManifest((await verify(archive(entries), { manifest: true })).manifest!);
}

describe("manifests", () => {
  it("one sorted, tab-separated line per path with type, mode, owner, size, content and xattrs", async () => {
    const { manifest: text } = await verify(archive(base), { manifest: true });
    const manifest = text!;
    const lines = manifest.trimEnd().split("\n");
    expect(lines[0]).toBe(MANIFEST_HEADER);
    const rows = lines.slice(2);
    expect(rows).toEqual([...rows].sort());
    expect(rows).toContain("etc/mtab\tsymlink\t0777\t0\t0\t0\t->/proc/mounts\t-");
    expect(rows).toContain("dev/console\tchar\t0600\t0\t0\t0\t5:1\t-");
    expect(rows.find((r) => r.startsWith("bin/na\\x09me\\xff\t"))).toBeDefined();
    // Hard links share the content written by the instance that carried it.
    const sh = rows.find((r) => r.startsWith("bin/sh\t"))!.split("\t");
    const ash = rows.find((r) => r.startsWith("bin/ash\t"))!.split("\t");
    expect(ash.slice(1)).toEqual(sh.slice(1));
    expect(sh[5]).toBe("8");
    expect(rows.find((r) => r.startsWith("sec\t"))).toMatch(/\tsecurity\.selinux=[0-9a-f]{16}$/);
    expect(formatManifest(parseManifest(manifest).values())).toBe(manifest);
  });

  it("--against the image's own manifest is clean", async () => {
    const { report } = await verify(archive(base), { against: await manifestOf(base) });
    expect(manifestFindings(report)).toEqual([]);
    expect(report.result).toBe("pass");
  });

  it("reports one changed byte (on both names of a hard link), one changed mode, an added and a removed file", async () => {
    const against = await manifestOf(base);
    // bin/sh's data is its hard link bin/ash's too.
    const changed = base.map((e) => (e.name === "etc/passwd" ? { ...e, mode: 0o100600 } : e.name === "bin/sh" ? { ...e, data: "#!binarY" } : e))
      .filter((e) => e.name !== "dev/console");
    changed.push({ name: "etc/shadow", data: "secret" });
    const { report } = await verify(archive(changed), { against });
    const byRule = report.findings.filter((f) => f.rule.startsWith("CPIOX_RULE_MANIFEST")).map((f) => [f.rule, f.path, f.message.split(" ")[0]]);
    expect(byRule).toEqual(expect.arrayContaining([
      ["CPIOX_RULE_MANIFEST_CHANGED", "bin/sh", "content"],
      ["CPIOX_RULE_MANIFEST_CHANGED", "bin/ash", "content"],
      ["CPIOX_RULE_MANIFEST_CHANGED", "etc/passwd", "mode"],
      ["CPIOX_RULE_MANIFEST_ADDED", "etc/shadow", "not"],
      ["CPIOX_RULE_MANIFEST_REMOVED", "dev/console", "in"],
    ]));
    expect(report.findings.filter((f) => f.rule.startsWith("CPIOX_RULE_MANIFEST"))).toHaveLength(5);
    expect(report.result).toBe("fail");
  });

  it("a changed xattr value is a change of the xattrs field", async () => {
    const against = await manifestOf(base);
    const relabelled = base.map((e) => (e.name === "sec" ? { ...e, xattrs: [["security.selinux", "other"]] as [string, string][] } : e));
    const { report } = await verify(archive(relabelled), { against });
    const found = report.findings.filter((f) => f.rule.startsWith("CPIOX_RULE_MANIFEST"));
    expect(found).toMatchObject([{ rule: "CPIOX_RULE_MANIFEST_CHANGED", path: "sec" }]);
    expect(found[0].message).toMatch(/^xattrs /);
  });

  it("a malformed manifest is CPIOX_MANIFEST_INVALID", () => {
    expect(() => parseManifest("not a manifest\n")).toThrow(/CPIOX_MANIFEST_INVALID/);
    expect(() => parseManifest(`${MANIFEST_HEADER}\na\tfile\n`)).toThrow(/CPIOX_MANIFEST_INVALID.*line 2/);
  });
});

describe("manifest on demand", () => {
  it("is built only when asked for (or to compare), as it costs a line per path", async () => {
    expect((await verify(archive(base))).manifest).toBeNull();
    expect((await verify(archive(base), { manifest: true })).manifest).toMatch(/^# cpiox-manifest 1\n/);
  });
});
