// Public keys for IMA appraisal: certificates or public keys, PEM or DER, each with the key id
// evmctl writes into signatures (last 4 bytes of the SHA-1 of the subjectPublicKey bits).
import { createHash, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { CpioxError } from "../errors.js";
import { derElement } from "./der.js";

export interface ImaKey {
  /** 8 hex digits, as in the signature header. */
  id: string;
  key: KeyObject;
  /** Where it came from (file name and index), for reports. */
  source: string;
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }. */
export function keyId(key: KeyObject): string {
  const spki = key.export({ type: "spki", format: "der" });
  const outer = derElement(spki, 0);
  const algorithm = outer?.tag === 0x30 ? derElement(outer.content, 0) : null;
  const bits = algorithm?.tag === 0x30 ? derElement(outer!.content, algorithm.end) : null;
  if (bits?.tag !== 0x03 || !bits.content.length) throw new Error("not a SubjectPublicKeyInfo");
  // The first content byte counts unused bits; the key bits follow.
  const sha1 = createHash("sha1").update(bits.content.subarray(1)).digest();
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

/** A certificate or key file's bytes, already read (a service passes them to its workers with each job). */
export interface ImaCertBytes {
  name: string;
  bytes: Uint8Array;
}

/** Loads every certificate or public key in a file (or in bytes read from one). */
export function loadImaKeys(source: string | ImaCertBytes): ImaKey[] {
  const file = typeof source === "string" ? source : source.name;
  let keys: KeyObject[];
  try {
    keys = keysOf(typeof source === "string" ? readFileSync(file) : Buffer.from(source.bytes), file);
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
