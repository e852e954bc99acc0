// Every verify rule: an image that passes it and one that fails it, with the exact finding.
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { archive, entryBytes, type HandEntry } from "../helpers/newc.js";
import { feed } from "../helpers/feed.js";
import { verify } from "../../src/verify/index.js";
import { parsePolicy, type Policy } from "../../src/verify/policy.js";
import { Rules, type RuleCode } from "../../src/verify/rules.js";

const dir = (name: string, mode = 0o40755): HandEntry => ({ name, mode });
const file = (name: string, data = "x", extra: Partial<HandEntry> = {}): HandEntry => ({ name, data, ...extra });
const link = (name: string, target: string): HandEntry => ({ name, mode: 0o120777, data: target });

/** Header offset of each entry in a plain archive. */
function offsets(entries: HandEntry[]): number[] {
  let at = 0;
  return entries.map((e) => {
    const here = at;
    at += entryBytes(e).length;
    return here;
  });
}

// Each rule is tested on its own: these small images have no /init, which CPIOX_RULE_NO_INIT
// (tested on its own below) would report on every one of them.
const policyWith = (doc: { rules?: object } & object) =>
  parsePolicy({ version: 1, ...doc, rules: { CPIOX_RULE_NO_INIT: "off", ...doc.rules } }, "test-policy");
const isolated = () => policyWith({});

interface RuleCase {
  rule: RuleCode;
  pass: HandEntry[];
  fail: HandEntry[];
  /** Index (in `fail`) of the entry the finding names. */
  at: number;
  policy?: Policy;
}

const cases: RuleCase[] = [
  { rule: "CPIOX_RULE_DEVICE_NODE", pass: [dir("dev"), { name: "dev/fifo", mode: 0o10644 }],
    fail: [dir("dev"), { name: "dev/null", mode: 0o20666, rdevMajor: 1, rdevMinor: 3 }], at: 1, policy: policyWith({ extends: "strict" }) },
  { rule: "CPIOX_RULE_SETUID", pass: [file("su", "x", { mode: 0o100755 })], fail: [file("su", "x", { mode: 0o104755 })], at: 0,
    policy: policyWith({ rules: { CPIOX_RULE_SETUID: "error" } }) },
  { rule: "CPIOX_RULE_WORLD_WRITABLE", pass: [dir("tmp", 0o41777)], fail: [dir("tmp", 0o40777)], at: 0 },
  { rule: "CPIOX_RULE_ABSOLUTE_NAME", pass: [file("etc")], fail: [file("/etc")], at: 0 },
  { rule: "CPIOX_RULE_DOT_DOT", pass: [file("a..b")], fail: [dir("a"), file("a/../b")], at: 1 },
  { rule: "CPIOX_RULE_THROUGH_SYMLINK", pass: [dir("d"), link("l", "d"), file("d/x")],
    fail: [dir("d"), link("l", "d"), file("l/x")], at: 2 },
  { rule: "CPIOX_RULE_SYMLINK_ESCAPE", pass: [dir("a"), link("a/l", "../b"), link("m", "/proc/mounts")],
    fail: [dir("a"), link("a/l", "../../b")], at: 1 },
  { rule: "CPIOX_RULE_DANGLING_SYMLINK", pass: [file("t"), dir("d"), link("d/l", "../t"), link("abs", "/d/l")],
    fail: [file("t"), link("l", "u")], at: 1, policy: policyWith({ rules: { CPIOX_RULE_DANGLING_SYMLINK: "error" } }) },
  { rule: "CPIOX_RULE_OVERWRITE", pass: [dir("d"), dir("d", 0o40700), file("d/f")], fail: [file("f"), file("f", "y")], at: 1 },
  { rule: "CPIOX_RULE_MISSING_PARENT", pass: [dir("a"), file("a/b")], fail: [file("a/b")], at: 0 },
  { rule: "CPIOX_RULE_KERNEL_SKIPS", pass: [dir("d/")], fail: [file("f/")], at: 0 },
  { rule: "CPIOX_RULE_LIMIT_ENTRIES", pass: [file("a"), file("b")], fail: [file("a"), file("b"), file("c")], at: 2,
    policy: policyWith({ limits: { entries: 2 } }) },
  { rule: "CPIOX_RULE_LIMIT_TOTAL_SIZE", pass: [file("a", "12"), file("b", "34")], fail: [file("a", "12"), file("b", "345")], at: 1,
    policy: policyWith({ limits: { totalSize: 4 } }) },
  { rule: "CPIOX_RULE_LIMIT_FILE_SIZE", pass: [file("a", "1234")], fail: [file("a", "12345")], at: 0,
    policy: policyWith({ limits: { fileSize: 4 } }) },
  { rule: "CPIOX_RULE_LIMIT_PATH_DEPTH", pass: [dir("a"), file("a/b")], fail: [dir("a"), dir("a/b"), file("a/b/c")], at: 2,
    policy: policyWith({ limits: { pathDepth: 2 } }) },
  { rule: "CPIOX_RULE_LIMIT_XATTR_SIZE", pass: [{ name: "f", magic: "070703", xattrs: [["user.a", "1234"]] }],
    fail: [{ name: "f", magic: "070703", xattrs: [["user.a", "12345"]] }], at: 0, policy: policyWith({ limits: { xattrSize: 4 } }) },
  { rule: "CPIOX_RULE_FORMAT", pass: [file("a")], fail: [file("a"), { name: "b", magic: "070703" }], at: 1,
    policy: policyWith({ formats: ["newc", "crc"] }) },
  { rule: "CPIOX_RULE_XATTR_NAMESPACE", pass: [{ name: "f", magic: "070703", xattrs: [["security.ima", "\x04\x04"]] }],
    fail: [{ name: "f", magic: "070703", xattrs: [["user.x", "1"]] }], at: 0, policy: policyWith({ extends: "strict" }) },
  { rule: "CPIOX_RULE_XATTR_INVALID", pass: [{ name: "f", magic: "070703", xattrs: [["user.x", "1"]] }],
    fail: [{ name: "f", magic: "070703", xattrs: [["bogus.x", "1"]] }], at: 0 },
  { rule: "CPIOX_RULE_XATTR_REQUIRED",
    pass: [dir("usr"), dir("usr/bin"), { name: "usr/bin/a", magic: "070703", xattrs: [["security.selinux", "l"]] }, file("etc")],
    fail: [dir("usr"), dir("usr/bin"), { name: "usr/bin/a", magic: "070703", xattrs: [["user.x", "l"]] }], at: 2,
    policy: policyWith({ requireXattrs: [{ path: "usr/bin/**", names: ["security.selinux"] }] }) },
  { rule: "CPIOX_RULE_IMA_REQUIRED", pass: [file("etc")], fail: [dir("sbin"), file("sbin/init")], at: 1,
    policy: policyWith({ requireImaSignature: ["sbin/*"] }) },
];

async function findingsOf(entries: HandEntry[], policy: Policy = isolated()) {
  const { report } = await verify(archive(entries), { policy });
  return report;
}

describe("every rule catches its case and passes a clean image", () => {
  it.each(cases.map((c) => [c.rule, c] as const))("%s", async (rule, c) => {
    const clean = await findingsOf(c.pass, c.policy);
    expect(clean.findings.filter((f) => f.rule === rule)).toEqual([]);
    const bad = await findingsOf(c.fail, c.policy);
    const found = bad.findings.filter((f) => f.rule === rule);
    expect(found).toHaveLength(1);
    const name = c.fail[c.at].name.toString();
    expect(found[0]).toMatchObject({ rule, path: name, member: 0, offset: offsets(c.fail)[c.at] });
    const severity = (c.policy ?? parsePolicy({ version: 1 })).rules[rule];
    expect(found[0].severity).toBe(severity);
    expect(bad.result).toBe(severity === "error" ? "fail" : "pass");
  });

  it("the table covers every rule except those tested on their own below", () => {
    const own = ["CPIOX_RULE_HARDLINK_ACROSS_MEMBERS", "CPIOX_RULE_KERNEL_INCOMPATIBLE", "CPIOX_RULE_ARCHIVE_WARNING",
      "CPIOX_RULE_COMPRESSION", "CPIOX_RULE_IMA_INVALID", "CPIOX_RULE_IMA_UNKNOWN_KEY", "CPIOX_RULE_IMA_UNSUPPORTED",
      "CPIOX_RULE_MANIFEST_ADDED", "CPIOX_RULE_MANIFEST_REMOVED", "CPIOX_RULE_MANIFEST_CHANGED",
      "CPIOX_RULE_EMPTY_IMAGE", "CPIOX_RULE_NO_INIT", "CPIOX_RULE_PATH_REQUIRED"];
    expect(new Set([...cases.map((c) => c.rule), ...own])).toEqual(new Set(Object.keys(Rules)));
  });
});

describe("bootability: the upload gate never passes what cannot boot", () => {
  const init = (mode = 0o100755): HandEntry => ({ name: "init", mode, data: "#!/bin/sh\n" });
  const imageRules = async (bytes: Uint8Array, policy?: Policy) => {
    const { report } = await verify(bytes, { policy });
    return { result: report.result, rules: report.findings.map((f) => [f.rule, f.severity, f.path]) };
  };

  it("an empty file, zeros, padding only or bare trailers fail the default policy with CPIOX_RULE_EMPTY_IMAGE", async () => {
    const empty = { result: "fail", rules: [["CPIOX_RULE_EMPTY_IMAGE", "error", null]] };
    expect(await imageRules(new Uint8Array(0))).toEqual(empty);
    expect(await imageRules(new Uint8Array(4096))).toEqual(empty);
    expect(await imageRules(archive([]))).toEqual(empty);
    expect(await imageRules(Buffer.concat([archive([]), new Uint8Array(512), gzipSync(archive([]))]))).toEqual(empty);
  });

  it("no executable /init (nor /sbin/init, /etc/init, /bin/init, /bin/sh) is CPIOX_RULE_NO_INIT", async () => {
    const noInit = { result: "fail", rules: [["CPIOX_RULE_NO_INIT", "error", null]] };
    expect(await imageRules(archive([file("etc")]))).toEqual(noInit);
    expect(await imageRules(archive([init(0o100644)]))).toEqual(noInit); // not executable
    expect(await imageRules(archive([dir("init")]))).toEqual(noInit);
    expect(await imageRules(archive([link("init", "nowhere")]))).toEqual(noInit);
    const pass = { result: "pass", rules: [] };
    expect(await imageRules(archive([init()]))).toEqual(pass);
    expect(await imageRules(archive([dir("sbin"), { ...init(), name: "sbin/init" }]))).toEqual(pass);
    expect(await imageRules(archive([dir("bin"), { ...init(), name: "bin/busybox" }, link("bin/sh", "busybox")]))).toEqual(pass);
    expect(await imageRules(archive([dir("usr"), { ...init(), name: "usr/init" }, link("init", "/usr/init")]))).toEqual(pass);
  });

  it("requirePaths: each glob must match a path of the final tree (CPIOX_RULE_PATH_REQUIRED)", async () => {
    const policy = policyWith({ rules: { CPIOX_RULE_NO_INIT: "error" }, requirePaths: ["init", "lib/modules/*/modules.dep", "etc/{fstab,mtab}"] });
    const image = [init(), dir("lib"), dir("lib/modules"), dir("lib/modules/6.1.0"), file("lib/modules/6.1.0/modules.dep"), dir("etc"), file("etc/mtab")];
    expect(await imageRules(archive(image), policy)).toEqual({ result: "pass", rules: [] });
    const missing = await imageRules(archive(image.slice(0, 3)), policy);
    expect(missing).toEqual({ result: "fail", rules: [
      ["CPIOX_RULE_PATH_REQUIRED", "error", null], ["CPIOX_RULE_PATH_REQUIRED", "error", null]] });
    expect(() => policyWith({ requirePaths: ["lib/[x"] })).not.toThrow(); // parsed; compiled on use
    await expect(verify(archive(image), { policy: policyWith({ requirePaths: ["lib/[x"] }) })).rejects.toMatchObject({ code: "CPIOX_POLICY_INVALID" });
  });

  it("requireImaSignature with a [...] class matches what it names (an unsigned bin/false fails)", async () => {
    const policy = policyWith({ requireImaSignature: ["bin/[ft]*"] });
    const { report } = await verify(archive([dir("bin"), file("bin/false"), file("bin/sh")]), { policy });
    expect(report.findings.map((f) => [f.rule, f.path])).toEqual([["CPIOX_RULE_IMA_REQUIRED", "bin/false"]]);
  });

  it("a limit rated error stops the read at once: an endless stream of entries ends at the limit", async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        const batch: HandEntry[] = [];
        for (let i = 0; i < 100; i++) batch.push(file(`f${produced++}`));
        yield archive(batch, false); // no trailer: one endless archive
        if (produced > 1_000_000) throw new Error("the read did not stop");
      }
    }
    const { report } = await verify(endless(), { policy: policyWith({ limits: { entries: 1000 } }) });
    expect(report.result).toBe("fail");
    expect(report.image.sha256).toBeNull();
    expect(report.findings.map((f) => f.rule)).toEqual(["CPIOX_RULE_LIMIT_ENTRIES"]);
    expect(produced).toBeLessThan(2000);
    const total = await verify(endless(), { policy: policyWith({ limits: { totalSize: 5000 } }) });
    expect(total.report.findings.map((f) => f.rule)).toEqual(["CPIOX_RULE_LIMIT_TOTAL_SIZE"]);
    expect(total.report.result).toBe("fail");
  });
});

describe("rules over members", () => {
  it("a hard link to an inode of an earlier archive is CPIOX_RULE_HARDLINK_ACROSS_MEMBERS", async () => {
    const first = archive([file("a", "", { ino: 7, nlink: 2 }), file("b", "data", { ino: 7, nlink: 2 })]);
    const second = archive([file("c", "more", { ino: 7, nlink: 2 })]);
    const together = await verify(Buffer.concat([first, gzipSync(second)]), { policy: isolated() });
    const found = together.report.findings.filter((f) => f.rule === "CPIOX_RULE_HARDLINK_ACROSS_MEMBERS");
    expect(found).toMatchObject([{ path: "c", member: 1, offset: 0, severity: "error" }]);
    // Within one archive the link is fine.
    const alone = await verify(first, { policy: isolated() });
    expect(alone.report.findings).toEqual([]);
    expect(alone.report.counts).toMatchObject({ files: 2, hardlinks: 1 });
  });

  it("a compression outside the policy is CPIOX_RULE_COMPRESSION at the member's offset", async () => {
    const plain = archive([file("a")]);
    const image = Buffer.concat([plain, gzipSync(archive([file("b")]))]);
    expect((await verify(image, { policy: isolated() })).report.findings).toEqual([]);
    const policy = policyWith({ compressions: ["cpio", "zstd"] });
    const { report } = await verify(image, { policy });
    expect(report.findings).toMatchObject([{ rule: "CPIOX_RULE_COMPRESSION", member: 1, offset: plain.length, path: null }]);
    expect(report.result).toBe("fail");
  });

  it("an entry from a later member overwriting an earlier one (external initramfs replacing the embedded one)", async () => {
    const image = Buffer.concat([archive([dir("etc"), file("etc/init", "embedded")]), gzipSync(archive([file("etc/init", "external")]))]);
    const { report } = await verify(feed(image, 7), { policy: isolated() });
    expect(report.findings).toMatchObject([{ rule: "CPIOX_RULE_OVERWRITE", path: "etc/init", member: 1, offset: 0 }]);
    expect(report.findings[0].message).toContain("member 0");
  });

  it("a container the kernel cannot read is CPIOX_RULE_KERNEL_INCOMPATIBLE", async () => {
    // gzip with FNAME is fine for the kernel; FCOMMENT is not.
    const gz = gzipSync(archive([file("a")]));
    const flagged = Buffer.concat([gz.subarray(0, 3), Buffer.from([0x10]), gz.subarray(4, 10), Buffer.from("comment\0"), gz.subarray(10)]);
    expect((await verify(gz, { policy: isolated() })).report.findings).toEqual([]);
    const { report } = await verify(flagged, { policy: isolated() });
    expect(report.findings).toMatchObject([{ rule: "CPIOX_RULE_KERNEL_INCOMPATIBLE", member: 0 }]);
    expect(report.findings[0].message).toContain("CPIOX_KERNEL_GZIP_FLAGS");
    expect(report.result).toBe("fail");
  });

  it("other archive warnings are CPIOX_RULE_ARCHIVE_WARNING, reported but passing by default", async () => {
    const { report } = await verify(archive([{ name: "odd", mode: 0o170644 }]), { policy: isolated() });
    expect(report.findings).toMatchObject([{ rule: "CPIOX_RULE_ARCHIVE_WARNING", severity: "warn", path: "odd" }]);
    expect(report.findings[0].message).toContain("CPIOX_UNKNOWN_TYPE");
    expect(report.result).toBe("pass");
  });
});

describe("policies", () => {
  it("rejects unknown keys, rules, severities and limits with CPIOX_POLICY_INVALID", () => {
    for (const doc of [{ version: 2 }, { version: 1, colour: 1 }, { version: 1, rules: { CPIOX_RULE_NOPE: "error" } },
      { version: 1, rules: { CPIOX_RULE_SETUID: "fatal" } }, { version: 1, limits: { entries: -1 } },
      { version: 1, limits: { depth: 3 } }, { version: 1, compressions: ["rar"] }, { version: 1, extends: "lax" },
      { version: 1, requireXattrs: [{ path: "x", names: [] }] }]) {
      expect(() => parsePolicy(doc)).toThrow(/CPIOX_POLICY_INVALID/);
    }
  });

  it("a rule turned off reports nothing", async () => {
    const { report } = await verify(archive([file("/etc")]), { policy: policyWith({ rules: { CPIOX_RULE_ABSOLUTE_NAME: "off" } }) });
    expect(report.findings).toEqual([]);
    expect(report.result).toBe("pass");
  });
});
