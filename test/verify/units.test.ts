// The verify building blocks on their own: the docs/FORMATS.md §5.7 vectors, ECDSA over a digest on
// every supported curve, key ids, globs.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appraise, parseIma, signedDigest } from "../../src/verify/ima.js";
import { ecdsaVerifyDigest, parseDerSignature } from "../../src/verify/ecdsa.js";
import { keyId, loadImaKeys } from "../../src/verify/keys.js";
import { compileGlob } from "../../src/select/glob.js";
import { sh } from "../helpers/sh.js";
import { tempDir } from "../helpers/tmp.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
const CONTENT = Buffer.from("hello initramfs");
const SHA256 = "e00c0e8431215a8ead93041790cc0c8cd502bb576319d10e74955b2459a29639";
const SHA1 = "6523f78bff5b630b991b97cab940ba87316ac437";
const digestOf = (h: string) => createHash(h).update(CONTENT).digest();

describe("docs/FORMATS.md §5.7 vectors", () => {
  it("evmctl ima_hash values (0x01 SHA-1, 0x04 SHA-256) are valid for 'hello initramfs'", () => {
    expect(digestOf("sha256").toString("hex")).toBe(SHA256);
    for (const v of [hex(`01 ${SHA1}`), hex(`04 04 ${SHA256}`)]) {
      expect(appraise(v, digestOf, [])).toMatchObject({ kind: "digest", status: "valid" });
    }
    expect(appraise(hex(`04 04 ${SHA256.replace(/^e0/, "e1")}`), digestOf, [])).toMatchObject({ status: "bad-digest" });
  });

  it("reads the RSA and EC signature headers: type, version, algorithm, key id, sig_size", () => {
    expect(parseIma(Buffer.concat([hex("03 02 04 192e0640 0100"), Buffer.alloc(256)]))).toMatchObject({ kind: "signature", type: 3, version: 2, algo: 4, keyId: "192e0640" });
    expect(parseIma(Buffer.concat([hex("03 02 04 3222d220 0047"), Buffer.alloc(71)]))).toMatchObject({ keyId: "3222d220" });
    expect(parseIma(Buffer.concat([hex("03 02 04 3222d220 0047"), Buffer.alloc(70)]))).toMatchObject({ kind: "malformed" });
  });

  it("a v3 signature covers sha256([03 04] ++ sha256(content)) = b32e6eef…", () => {
    expect(signedDigest(3, 3, 4, "sha256", digestOf("sha256")).toString("hex"))
      .toBe("b32e6eef88dba63a81a781b85119c26888717db055e448f9879e3b5c5ac8bb13");
    expect(signedDigest(3, 2, 4, "sha256", digestOf("sha256")).toString("hex")).toBe(SHA256);
  });

  it("legacy 0x01 with its last 4 bytes zero is MD5, and 17 bytes is MD5", () => {
    const md5 = createHash("md5").update(CONTENT).digest();
    expect(appraise(Buffer.concat([Buffer.from([1]), md5, Buffer.alloc(4)]), digestOf, [])).toMatchObject({ algorithm: "md5", status: "valid" });
    expect(appraise(Buffer.concat([Buffer.from([1]), md5]), digestOf, [])).toMatchObject({ algorithm: "md5", status: "valid" });
  });
});

describe("ECDSA over a digest", () => {
  it.each([["P-256", "sha256"], ["P-384", "sha384"], ["P-521", "sha512"], ["P-256", "sha512"], ["P-521", "sha256"]])(
    "%s with %s: node:crypto's signatures verify, altered ones do not", (curve, hash) => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
      const jwk = publicKey.export({ format: "jwk" });
      const [x, y] = [Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")];
      for (let i = 0; i < 5; i++) {
        const data = randomBytes(64);
        const der = sign(hash, data, privateKey);
        const digest = createHash(hash).update(data).digest();
        expect(ecdsaVerifyDigest(curve, x, y, digest, der)).toBe(true);
        const wrong = Buffer.from(digest);
        wrong[0] ^= 1;
        expect(ecdsaVerifyDigest(curve, x, y, wrong, der)).toBe(false);
        const { r, s } = parseDerSignature(der)!;
        expect(r > 0n && s > 0n).toBe(true);
      }
    });

  it("rejects DER that is not exactly SEQUENCE { INTEGER, INTEGER }", () => {
    for (const bad of ["", "30", "3006020101020101ff", "3003020101", "310602010102010"]) expect(parseDerSignature(Buffer.from(bad, "hex"))).toBeNull();
  });
});

describe("key ids", () => {
  it("equal the last 4 bytes of the certificate's OpenSSL subjectKeyIdentifier=hash", () => {
    const dir = tempDir("cpiox-keys-");
    sh(`openssl genrsa -out k.pem 2048 2>/dev/null
      openssl req -new -x509 -key k.pem -out k.crt -days 30 -subj /CN=k -addext subjectKeyIdentifier=hash 2>/dev/null
      openssl x509 -in k.crt -outform DER -out k.der
      openssl rsa -in k.pem -pubout -out k.pub 2>/dev/null`, dir);
    const skid = sh("openssl x509 -in k.crt -noout -ext subjectKeyIdentifier | tail -1", dir).toString().trim().replace(/:/g, "").toLowerCase();
    for (const f of ["k.crt", "k.der", "k.pub"]) {
      const [k] = loadImaKeys(join(dir, f));
      expect(k.id).toBe(skid.slice(-8));
      expect(keyId(k.key)).toBe(k.id);
    }
    writeFileSync(join(dir, "two.pem"), sh("cat k.crt k.pub", dir));
    expect(loadImaKeys(join(dir, "two.pem"))).toHaveLength(2);
  });
});

describe("globs", () => {
  it("* and ? stay in a component, ** spans components", () => {
    const g = compileGlob("usr/bin/*");
    expect([g("usr/bin/ls"), g("usr/bin/x/y"), g("usr/bin")]).toEqual([true, false, false]);
    const all = compileGlob("usr/**");
    expect([all("usr/a"), all("usr/a/b/c"), all("usrx")]).toEqual([true, true, false]);
    const any = compileGlob("**/init");
    expect([any("init"), any("a/b/init"), any("a/binit")]).toEqual([true, true, false]);
    // "[...]" is a class (it once matched itself literally, so "bin/[ft]*" matched nothing).
    const cls = compileGlob("bin/[ft]*");
    expect([cls("bin/false"), cls("bin/true"), cls("bin/sh"), cls("bin/xft")]).toEqual([true, true, false, false]);
    expect(compileGlob("a?c.\\[x\\]")("abc.[x]")).toBe(true);
    expect(compileGlob("{init,sbin/init}")("sbin/init")).toBe(true);
    expect(compileGlob(".*")(".xattr-list")).toBe(true);
  });

  it("a glob picomatch cannot parse is CPIOX_POLICY_INVALID, never a pattern that matches nothing", () => {
    for (const bad of ["bin/[ft", "a{b", ""]) expect(() => compileGlob(bad)).toThrow(/CPIOX_POLICY_INVALID/);
  });
});
