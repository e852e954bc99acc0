// The JSON report, compared with a stored expected report (shape and content), and the CLI's
// exit statuses and outputs.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archive, type HandEntry } from "../helpers/newc.js";
import { tempDir } from "../helpers/tmp.js";
import { snapshot } from "../helpers/tree.js";
import { verify } from "../../src/verify/index.js";
import { extract } from "../../src/index.js";
import { main } from "../../src/cli.js";

const EXPECTED = join(import.meta.dirname, "../fixtures/verify-report.json");

const sha256ima = (data: string) => Buffer.concat([Buffer.from([4, 4]), createHash("sha256").update(data).digest()]);

/** A small image with one of most things: findings of both severities and IMA digests, right and wrong. */
export const reportImage: HandEntry[] = [
  { name: ".", mode: 0o40755 },
  { name: "bin", mode: 0o40755 },
  { name: "bin/init", magic: "070703", mode: 0o100755, data: "#!/bin/sh\n", xattrs: [["security.ima", sha256ima("#!/bin/sh\n")]] },
  { name: "bin/su", magic: "070703", mode: 0o104755, data: "su", xattrs: [["security.ima", sha256ima("not su")]] },
  { name: "etc", mode: 0o40755 },
  { name: "etc/mtab", mode: 0o120777, data: "/proc/mounts" },
  { name: "etc/passwd", data: "root:x:0:0\n" },
  { name: "etc/passwd", data: "root::0:0\n" },
  { name: "tmp", mode: 0o40777 },
];

/** What makes an image bootable for the default policy. */
const INIT: HandEntry = { name: "init", mode: 0o100755, data: "#!/bin/sh\n" };

function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const out = { write: (s: string) => { stdout += s; return true; } } as unknown as NodeJS.WriteStream;
  const err = { write: (s: string) => { stderr += s; return true; } } as unknown as NodeJS.WriteStream;
  return main(args, out, err).then((code) => ({ code, stdout, stderr }));
}

describe("the JSON report", () => {
  it("equals the stored expected report", async () => {
    const { report } = await verify(archive(reportImage));
    const json = JSON.parse(JSON.stringify(report));
    // After a deliberate change of the report, rewrite it with CPIOX_UPDATE_EXPECTED=1 and review the diff.
    if (process.env.CPIOX_UPDATE_EXPECTED === "1") writeFileSync(EXPECTED, `${JSON.stringify(json, null, 2)}\n`);
    expect(json).toEqual(JSON.parse(readFileSync(EXPECTED, "utf8")));
  });
});

describe("the image digest", () => {
  it("is the SHA-256 of the bytes read, from the same pass that checks --sha256", async () => {
    const bytes = archive(reportImage);
    const real = createHash("sha256").update(bytes).digest("hex");
    expect((await verify(bytes, { sha256: real })).report.image).toEqual({ size: bytes.length, sha256: real });
    const wrong = (await verify(bytes, { sha256: "0".repeat(64), sha512: createHash("sha512").update(bytes).digest("hex") })).report;
    expect(wrong).toMatchObject({ result: "malformed", error: { code: "CPIOX_DIGEST_MISMATCH" }, image: { size: bytes.length, sha256: real } });
    expect(wrong.error!.message).toContain("sha256 of the 1404 bytes read");
  });
});

describe("cpiox verify", () => {
  it("exits 0 on a clean image, 1 on a policy violation, 2 on a malformed one, and writes --json", async () => {
    const dir = tempDir("cpiox-verify-cli-");
    const clean = join(dir, "clean.cpio");
    const bad = join(dir, "bad.cpio");
    const broken = join(dir, "broken.cpio");
    writeFileSync(clean, archive([INIT, { name: "etc", mode: 0o40755 }, { name: "etc/hostname", data: "box\n" }]));
    writeFileSync(bad, archive(reportImage));
    writeFileSync(broken, archive(reportImage).subarray(0, 300));
    const ok = await run(["verify", clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS: /);
    const fail = await run(["verify", bad, "--json"]);
    expect(fail.code).toBe(1);
    expect(JSON.parse(fail.stdout)).toMatchObject({ schema: "cpiox-verify/2", result: "fail" });
    expect((await run(["verify", broken, "-q"])).code).toBe(2);
    expect((await run(["verify", clean, "--policy", join(dir, "missing.json")])).code).toBe(2);
    // --manifest, then --against the same image is clean; against another it is not.
    const manifest = join(dir, "clean.manifest");
    expect((await run(["verify", clean, "--manifest", manifest, "-q"])).code).toBe(0);
    expect(readFileSync(manifest, "utf8")).toContain("etc/hostname\tfile\t0644");
    expect((await run(["verify", clean, "--against", manifest])).code).toBe(0);
    const other = await run(["verify", bad, "--against", manifest]);
    expect(other.stdout).toContain("CPIOX_RULE_MANIFEST_REMOVED");
    expect(other.code).toBe(1);
  });
});

describe("extract --verify", () => {
  it("extracts an image that passes", async () => {
    const root = join(tempDir(), "root");
    const r = await extract(archive([INIT, { name: "etc", mode: 0o40755 }, { name: "etc/hostname", data: "box\n" }]), { cwd: root, verify: "default", atomic: true });
    expect(r.files).toBe(2);
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("box\n");
  });

  it("refuses an image that fails, and with --atomic leaves the target as it was and nothing beside it", async () => {
    const parent = tempDir();
    const root = join(parent, "root");
    await extract(archive([{ name: "old", data: "old tree" }]), { cwd: root });
    const before = snapshot(parent);
    await expect(extract(archive(reportImage), { cwd: root, verify: "default", atomic: true, replace: true })).rejects.toThrow(/CPIOX_VERIFY_FAILED: 3 policy violation/);
    expect(snapshot(parent)).toEqual(before);
  });

  it("the CLI says why and exits 2", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.cpio"), archive(reportImage));
    const r = await run(["extract", join(dir, "bad.cpio"), "-C", join(dir, "root"), "--verify", "default", "--atomic"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("CPIOX_VERIFY_FAILED");
    expect(r.stderr).toContain("CPIOX_RULE_OVERWRITE");
    expect(existsSync(join(dir, "root"))).toBe(false);
    const lone = await run(["extract", join(dir, "bad.cpio"), "-C", join(dir, "root"), "--ima-cert", join(dir, "x.pem")]);
    expect([lone.code, lone.stderr]).toEqual([2, "cpiox: error CPIOX_BAD_ARGUMENT: --ima-cert needs --verify POLICY\nTry 'cpiox extract --help' for more information.\n"]);
    expect(existsSync(join(dir, "root"))).toBe(false);
  });
});
