// Public keys for IMA appraisal: certificates or public keys, PEM or DER, each with the key id
// evmctl writes into signatures (last 4 bytes of the SHA-1 of the subjectPublicKey bits).
import { createHash, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { CpioxError } from "../errors.js";

export interface ImaKey {
  /** 8 hex digits, as in the signature header. */
  id: string;
  key: KeyObject;
  /** Where it came from (file name and index), for reports. */
  source: string;
}

/** Reads a DER length at `at`; returns [length, offset of the content]. */
function derLength(b: Buffer, at: number): [number, number] {
  const first = b[at];
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i];
  return [len, at + 1 + n];
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }. */
export function keyId(key: KeyObject): string {
  const spki = key.export({ type: "spki", format: "der" });
  const [, inner] = derLength(spki, 1);
  const [algLen, algAt] = derLength(spki, inner + 1);
  const bitsTag = algAt + algLen;
  if (spki[0] !== 0x30 || spki[inner] !== 0x30 || spki[bitsTag] !== 0x03) throw new Error("not a SubjectPublicKeyInfo");
  const [bitsLen, bitsAt] = derLength(spki, bitsTag + 1);
  // The first content byte counts unused bits; the key bits follow.
  const sha1 = createHash("sha1").update(spki.subarray(bitsAt + 1, bitsAt + bitsLen)).digest();
  return sha1.subarray(16).toString("hex");
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function keysOf(bytes: Buffer, file: string): KeyObject[] {
  const text = bytes.toString("latin1");
  if (text.includes("-----BEGIN ")) {
    const keys: KeyObject[] = [];
    for (const m of text.matchAll(PEM_BLOCK)) {
      if (m[1] === "CERTIFICATE") keys.push(new X509Certificate(m[0]).publicKey);
      else if (m[1] === "PUBLIC KEY" || m[1] === "RSA PUBLIC KEY") keys.push(createPublicKey(m[0]));
    }
    return keys;
  }
  try {
    return [new X509Certificate(bytes).publicKey];
  } catch {
    return [createPublicKey({ key: bytes, format: "der", type: "spki" })];
  }
}

/** Loads every certificate or public key in a file. */
export function loadImaKeys(file: string): ImaKey[] {
  let keys: KeyObject[];
  try {
    keys = keysOf(readFileSync(file), file);
  } catch (e) {
    throw new CpioxError("CPIOX_IMA_CERT_INVALID", `${file}: ${(e as Error).message}`);
  }
  if (!keys.length) throw new CpioxError("CPIOX_IMA_CERT_INVALID", `${file}: no certificate or public key in it`);
  return keys.map((key, i) => {
    const type = key.asymmetricKeyType;
    if (type !== "rsa" && type !== "ec") {
      throw new CpioxError("CPIOX_IMA_CERT_INVALID", `${file}: a ${type} key; IMA signatures use RSA or ECDSA keys`);
    }
    return { id: keyId(key), key, source: keys.length > 1 ? `${file}#${i}` : file };
  });
}
