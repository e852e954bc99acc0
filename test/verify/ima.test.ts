// IMA appraisal offline: evmctl-signed files (RSA and EC keys) in all three xattr encodings,
// told apart as valid, tampered, foreign-key, truncated and unknown-algorithm.
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.js";
import { create, type XattrEncoding } from "../../src/create/index.js";
import type { CreateFormat } from "../../src/create/encode.js";
import { sh } from "../helpers/sh.js";
import { tempDir } from "../helpers/tmp.js";
import { feed } from "../helpers/feed.js";
import { main } from "../../src/cli.js";
import type { VerifyReport } from "../../src/verify/report.js";

let work: string;
const sig = (file: string, key: string, algo = "sha256") => {
  sh(`evmctl ima_sign --sigfile --key ${key} -a ${algo} ${file} >/dev/null`, work);
  return readFileSync(join(work, `${file}.sig`));
};

/** path in the image -> [content, security.ima value or null]. */
let files: Record<string, [string, Buffer | null]>;
const expected: Record<string, [string, string]> = {
  "bin/rsa": ["signature", "valid"],
  "bin/ec": ["signature", "valid"],
  "bin/sha512": ["signature", "valid"],
  "bin/v3": ["signature", "valid"],
  "bin/tampered": ["signature", "bad-signature"],
  "bin/foreign": ["signature", "unknown-key"],
  "bin/truncated": ["signature", "malformed"],
  "bin/algo": ["signature", "malformed"],
  "bin/streebog": ["signature", "unsupported"],
  "bin/hash": ["digest", "valid"],
  "bin/hash-bad": ["digest", "bad-digest"],
  "bin/sha1": ["digest", "valid"],
};

beforeAll(() => {
  work = tempDir("cpiox-ima-");
  sh(`openssl genrsa -out rsa.pem 2048 2>/dev/null
    openssl req -new -x509 -key rsa.pem -out rsa.crt -days 3650 -subj /CN=rsa 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out ec.pem
    openssl req -new -x509 -key ec.pem -outform DER -out ec.der -days 3650 -subj /CN=ec 2>/dev/null
    openssl genrsa -out other.pem 2048 2>/dev/null
    for f in rsa ec sha512 v3 tampered foreign truncated algo streebog hash hash-bad sha1; do printf "content of $f" > $f; done`, work);
  const withSig = (name: string, value: Buffer | null, content = `content of ${name}`): [string, Buffer | null] => [content, value];
  const truncated = sig("truncated", "rsa.pem");
  const algo = sig("algo", "rsa.pem");
  algo[2] = 0x63; // not a kernel hash algorithm
  const streebog = sig("streebog", "rsa.pem");
  streebog[2] = 18; // streebog256: known to the kernel, not to node:crypto
  // Version 3: RSA-SHA256 over ima_file_id's used part [type, algo] ++ sha256(file), made with openssl.
  const v3Digest = createHash("sha256").update("content of v3").digest();
  writeFileSync(join(work, "v3.id"), Buffer.concat([Buffer.from([3, 4]), v3Digest]));
  const v3Sig = sh("openssl dgst -sha256 -sign rsa.pem v3.id", work);
  const rsaHeader = sig("rsa", "rsa.pem");
  const v3 = Buffer.concat([Buffer.from([3, 3, 4]), rsaHeader.subarray(3, 7), Buffer.from([v3Sig.length >> 8, v3Sig.length & 255]), v3Sig]);
  const hash = Buffer.concat([Buffer.from([4, 4]), createHash("sha256").update("content of hash").digest()]);
  files = {
    "bin/rsa": withSig("rsa", rsaHeader),
    "bin/ec": withSig("ec", sig("ec", "ec.pem")),
    "bin/sha512": withSig("sha512", sig("sha512", "rsa.pem", "sha512")),
    "bin/v3": withSig("v3", v3),
    "bin/tampered": withSig("tampered", sig("tampered", "rsa.pem"), "content of tampereD"),
    "bin/foreign": withSig("foreign", sig("foreign", "other.pem")),
    // Cut short, it no longer matches its header's sig_size: malformed, as the kernel's -EBADMSG.
    "bin/truncated": withSig("truncated", truncated.subarray(0, truncated.length - 1)),
    "bin/algo": withSig("algo", algo),
    "bin/streebog": withSig("streebog", streebog),
    "bin/hash": withSig("hash", hash),
    "bin/hash-bad": withSig("hash-bad", Buffer.concat([hash.subarray(0, 2), Buffer.alloc(32)])),
    "bin/sha1": withSig("sha1", Buffer.concat([Buffer.from([1]), createHash("sha1").update("content of sha1").digest()])),
    "bin/unsigned": withSig("unsigned", null),
  };
});

function listFile(): string {
  // A bootable image: an /init, so the findings are the IMA ones alone.
  writeFileSync(join(work, "init"), "#!/bin/sh\n");
  const lines = [`file /init ${join(work, "init")} 0755 0 0`, "dir /bin 0755 0 0"];
  for (const [path, [content, ima]] of Object.entries(files)) {
    writeFileSync(join(work, path.replace("/", "_")), content);
    if (ima) lines.push(`xattr security.ima=0x${ima.toString("hex")}`);
    lines.push(`file /${path} ${join(work, path.replace("/", "_"))} 0755 0 0`);
  }
  return lines.join("\n") + "\n";
}

async function image(format: CreateFormat, xattrs: XattrEncoding): Promise<Buffer> {
  const out = join(work, `image-${xattrs}.cpio`);
  await create({ listFile: listFile(), output: out, format, xattrs });
  return readFileSync(out);
}

const encodings: [CreateFormat, XattrEncoding][] = [["newcx", "newcx"], ["newc", "metadata"], ["newc", "xattr-list"]];

describe.each(encodings)("IMA appraisal, %s headers with %s xattrs", (format, xattrs) => {
  it("tells valid, tampered, foreign-key, truncated and unsupported apart, file by file", async () => {
    const bytes = await image(format, xattrs);
    for (const chunk of [Infinity, 3]) {
      const { report } = await verify(feed(bytes, chunk), { imaCerts: [join(work, "rsa.crt"), join(work, "ec.der")] });
      const got = Object.fromEntries(report.ima.results.map((r) => [r.path.replace(/^\//, ""), [r.kind, r.status]]));
      expect(got).toEqual(expected);
      const findings = Object.fromEntries(report.findings.map((f) => [f.path!.replace(/^\//, ""), f.rule]));
      expect(findings).toEqual({
        "bin/tampered": "CPIOX_RULE_IMA_INVALID", "bin/truncated": "CPIOX_RULE_IMA_INVALID", "bin/algo": "CPIOX_RULE_IMA_INVALID",
        "bin/hash-bad": "CPIOX_RULE_IMA_INVALID", "bin/foreign": "CPIOX_RULE_IMA_UNKNOWN_KEY", "bin/streebog": "CPIOX_RULE_IMA_UNSUPPORTED",
      });
      expect(report.result).toBe("fail");
      expect(report.ima.summary).toEqual({ valid: 6, "bad-digest": 1, "bad-signature": 1, "unknown-key": 1, unsupported: 1, malformed: 2 });
    }
  });

  it("with --keep-metadata-files the results are the same (the special files are entries too)", async () => {
    const { report } = await verify(await image(format, xattrs), { keepMetadataFiles: true, imaCerts: [join(work, "rsa.crt"), join(work, "ec.der")] });
    const got = Object.fromEntries(report.ima.results.map((r) => [r.path.replace(/^\//, ""), [r.kind, r.status]]));
    expect(got).toEqual(expected);
  });

  it("requireImaSignature fails the files without a valid signature, and only those", async () => {
    const bytes = await image(format, xattrs);
    const policy = { version: 1, requireImaSignature: ["bin/*"], rules: { CPIOX_RULE_IMA_INVALID: "off", CPIOX_RULE_IMA_UNKNOWN_KEY: "off", CPIOX_RULE_IMA_UNSUPPORTED: "off" } };
    writeFileSync(join(work, "policy.json"), JSON.stringify(policy));
    const { report } = await verify(bytes, { policy: join(work, "policy.json"), imaCerts: [join(work, "rsa.crt"), join(work, "ec.der")] });
    const unsigned = report.findings.filter((f) => f.rule === "CPIOX_RULE_IMA_REQUIRED").map((f) => f.path!.replace(/^\//, "")).sort();
    expect(unsigned).toEqual(["bin/algo", "bin/foreign", "bin/hash", "bin/hash-bad", "bin/sha1", "bin/streebog", "bin/tampered", "bin/truncated", "bin/unsigned"]);
  });
});

describe("IMA keys", () => {
  it("without --ima-cert every signature is unknown-key, reported in the results but not as a finding", async () => {
    const { report } = await verify(await image("newcx", "newcx"));
    expect(report.ima.summary["unknown-key"]).toBe(6);
    expect(report.findings.some((f) => f.rule === "CPIOX_RULE_IMA_UNKNOWN_KEY")).toBe(false);
  });

  it("a file with no key in it is CPIOX_IMA_CERT_INVALID", async () => {
    writeFileSync(join(work, "junk.pem"), "not a key");
    await expect(verify(Buffer.alloc(0), { imaCerts: [join(work, "junk.pem")] })).rejects.toThrow(/CPIOX_IMA_CERT_INVALID/);
  });
});

describe.skipIf(process.getuid!() !== 0)("evmctl-signed trees (security.ima set on files), through cpiox verify --json", () => {
  async function cli(args: string[]) {
    let stdout = "";
    const out = { write: (s: string) => { stdout += s; return true; } } as unknown as NodeJS.WriteStream;
    const err = { write: () => true } as unknown as NodeJS.WriteStream;
    const code = await main(args, out, err);
    return { code, report: JSON.parse(stdout) as VerifyReport };
  }

  it.each(encodings)("%s headers with %s xattrs: valid, tampered and foreign-key files told apart", async (format, xattrs) => {
    const tree = tempDir("cpiox-ima-tree-");
    const keys = join(work, "keys");
    sh(`mkdir -p ${keys} && cp ${work}/rsa.pem ${work}/rsa.crt ${work}/ec.pem ${work}/ec.der ${work}/other.pem ${keys}/
      mkdir -p usr/bin etc && printf 'tool' > usr/bin/rsa && printf 'tool2' > usr/bin/ec && printf 'conf' > etc/tampered && printf 'x' > etc/foreign
      evmctl ima_sign --key ${keys}/rsa.pem -a sha256 usr/bin/rsa >/dev/null
      evmctl ima_sign --key ${keys}/ec.pem -a sha256 usr/bin/ec >/dev/null
      evmctl ima_sign --key ${keys}/rsa.pem -a sha512 etc/tampered >/dev/null
      evmctl ima_sign --key ${keys}/other.pem -a sha256 etc/foreign >/dev/null
      printf 'CONF' > etc/tampered.new && cat etc/tampered.new > etc/tampered && rm etc/tampered.new`, tree);
    const img = join(tree, "..", `${xattrs}.img`);
    await create({ cwd: tree, output: img, format, xattrs, compress: "zstd" });
    const { code, report } = await cli(["verify", img, "--ima-cert", join(keys, "rsa.crt"), "--ima-cert", join(keys, "ec.der"), "--json"]);
    expect(code).toBe(1);
    const status = Object.fromEntries(report.ima.results.map((r) => [r.path.replace(/^\.?\//, ""), r.status]));
    expect(status).toEqual({ "usr/bin/rsa": "valid", "usr/bin/ec": "valid", "etc/tampered": "bad-signature", "etc/foreign": "unknown-key" });
  });
});
