// Offline IMA appraisal of security.ima values (docs/FORMATS.md §5): digests (0x01, 0x04) compared
// with the file's digest, signatures (0x03, versions 2 and 3) verified with node:crypto (RSA
// PKCS#1 v1.5) or over the digest (ECDSA), keys matched by their 4-byte id.
import { constants, createHash, getHashes, publicDecrypt } from "node:crypto";
import { ecdsaVerifyDigest } from "./ecdsa.js";
import { derEncode } from "./der.js";
import type { ImaKey } from "./keys.js";

export type ImaStatus = "valid" | "bad-digest" | "bad-signature" | "unknown-key" | "unsupported" | "malformed";

export interface ImaCheck {
  kind: "digest" | "signature";
  status: ImaStatus;
  /** The kernel's hash algorithm name, when the value names one. */
  algorithm: string | null;
  keyId?: string;
  version?: number;
  detail?: string;
}

/** enum hash_algo (uapi/linux/hash_info.h): the kernel's name and node:crypto's. */
const HASH_ALGOS: [kernel: string, node: string | null, size: number][] = [
  ["md4", "md4", 16], ["md5", "md5", 16], ["sha1", "sha1", 20], ["rmd160", "ripemd160", 20],
  ["sha256", "sha256", 32], ["sha384", "sha384", 48], ["sha512", "sha512", 64], ["sha224", "sha224", 28],
  ["rmd128", null, 16], ["rmd256", null, 32], ["rmd320", null, 40], ["wp256", null, 32], ["wp384", null, 48],
  ["wp512", null, 64], ["tgr128", null, 16], ["tgr160", null, 20], ["tgr192", null, 24], ["sm3", "sm3", 32],
  ["streebog256", null, 32], ["streebog512", null, 64], ["sha3-256", "sha3-256", 32], ["sha3-384", "sha3-384", 48],
  ["sha3-512", "sha3-512", 64],
];

const available = new Set(getHashes());
const nodeHash = (algo: number) => {
  const n = HASH_ALGOS[algo]?.[1];
  return n && available.has(n) ? n : null;
};

/** DigestInfo OIDs for RSA PKCS#1 v1.5 (RFC 8017 §9.2 and the NIST registry). */
const DIGEST_OIDS: Record<string, string> = {
  md5: "2a864886f70d0205", sha1: "2b0e03021a",
  sha224: "608648016503040204", sha256: "608648016503040201", sha384: "608648016503040202", sha512: "608648016503040203",
  "sha3-256": "608648016503040208", "sha3-384": "608648016503040209", "sha3-512": "60864801650304020a",
};

function digestInfo(hash: string, digest: Buffer): Buffer | null {
  const oid = DIGEST_OIDS[hash];
  if (!oid) return null;
  const algorithm = derEncode(0x30, Buffer.concat([derEncode(0x06, Buffer.from(oid, "hex")), Buffer.from([0x05, 0x00])]));
  return derEncode(0x30, Buffer.concat([algorithm, derEncode(0x04, digest)]));
}

export type ParsedIma =
  | { kind: "digest"; algo: number; digest: Buffer }
  | { kind: "signature"; type: number; version: number; algo: number; keyId: string; signature: Buffer }
  | { kind: "other"; type: number }
  | { kind: "malformed"; reason: string };

export function parseIma(v: Buffer): ParsedIma {
  if (v.length < 1) return { kind: "malformed", reason: "empty value" };
  switch (v[0]) {
    case 0x01: {
      // Legacy: SHA-1, or MD5 when 17 bytes long or when the SHA-1's last 4 bytes are zero.
      if (v.length === 17) return { kind: "digest", algo: 1, digest: v.subarray(1) };
      if (v.length !== 21) return { kind: "malformed", reason: `type 0x01 is 17 or 21 bytes long, not ${v.length}` };
      if (v.readUInt32BE(17) === 0) return { kind: "digest", algo: 1, digest: v.subarray(1, 17) };
      return { kind: "digest", algo: 2, digest: v.subarray(1) };
    }
    case 0x04: {
      if (v.length < 2) return { kind: "malformed", reason: "type 0x04 without a hash algorithm" };
      const spec = HASH_ALGOS[v[1]];
      if (!spec) return { kind: "malformed", reason: `unknown hash algorithm ${v[1]}` };
      if (v.length !== 2 + spec[2]) return { kind: "malformed", reason: `a ${spec[0]} digest is ${spec[2]} bytes, not ${v.length - 2}` };
      return { kind: "digest", algo: v[1], digest: v.subarray(2) };
    }
    case 0x03:
    case 0x06: {
      if (v.length <= 9) return { kind: "malformed", reason: "signature header shorter than 9 bytes" };
      const size = v.readUInt16BE(7);
      if (v.length - 9 !== size) return { kind: "malformed", reason: `sig_size says ${size} bytes, ${v.length - 9} follow` };
      if (!HASH_ALGOS[v[2]]) return { kind: "malformed", reason: `unknown hash algorithm ${v[2]}` };
      return { kind: "signature", type: v[0], version: v[1], algo: v[2], keyId: v.subarray(3, 7).toString("hex"), signature: v.subarray(9) };
    }
    default:
      return { kind: "other", type: v[0] };
  }
}

/** The node:crypto hash a value needs the file's digest in, or null. */
export function digestNeeded(v: Buffer): string | null {
  const p = parseIma(v);
  return p.kind === "digest" || p.kind === "signature" ? nodeHash(p.algo) : null;
}

/**
 * Appraises one value. `fileDigest(hash)` gives the file's digest in a node:crypto hash, or
 * undefined if it was not computed.
 */
export function appraise(v: Buffer, fileDigest: (hash: string) => Buffer | undefined, keys: readonly ImaKey[]): ImaCheck {
  const p = parseIma(v);
  if (p.kind === "malformed") {
    const kind = v[0] === 0x03 || v[0] === 0x06 ? "signature" : "digest";
    return { kind, status: "malformed", algorithm: null, detail: p.reason };
  }
  if (p.kind === "other") {
    return { kind: "digest", status: "malformed", algorithm: null, detail: `type 0x${p.type.toString(16).padStart(2, "0")} is not an IMA file value` };
  }
  const algorithm = HASH_ALGOS[p.algo][0];
  const hash = nodeHash(p.algo);
  const kind = p.kind;
  const base = kind === "signature" ? { kind, algorithm, keyId: p.keyId, version: p.version } : { kind, algorithm };
  if (!hash) return { ...base, status: "unsupported", detail: `hash algorithm ${algorithm} is not available` };
  const digest = fileDigest(hash);
  if (!digest) return { ...base, status: "unsupported", detail: `the file's ${algorithm} digest was not computed` };
  if (p.kind === "digest") {
    return digest.equals(p.digest) ? { ...base, status: "valid" } : { ...base, status: "bad-digest", detail: `file ${algorithm} is ${digest.toString("hex")}` };
  }
  if (p.type === 0x06) return { ...base, status: "unsupported", detail: "fs-verity signatures (type 0x06) need the fs-verity digest" };
  if (p.version !== 2 && p.version !== 3) return { ...base, status: "unsupported", detail: `signature version ${p.version}` };
  const signed = signedDigest(p.type, p.version, p.algo, hash, digest);
  const candidates = keys.filter((k) => k.id === p.keyId);
  if (!candidates.length) return { ...base, status: "unknown-key", detail: `no --ima-cert key has id ${p.keyId}` };
  let unsupported: string | null = null;
  for (const k of candidates) {
    const r = verifySignature(k, hash, signed, p.signature);
    if (r === true) return { ...base, status: "valid" };
    if (typeof r === "string") unsupported = r;
  }
  return unsupported !== null && candidates.length === 1
    ? { ...base, status: "unsupported", detail: unsupported }
    : { ...base, status: "bad-signature", detail: `the signature does not verify with key ${p.keyId}` };
}

/**
 * What a signature covers: the file digest (version 2), or the hash of struct ima_file_id's
 * used part, [type, algo] ++ digest (version 3).
 */
export function signedDigest(type: number, version: number, algo: number, hash: string, digest: Buffer): Buffer {
  return version === 2 ? digest : createHash(hash).update(Buffer.from([type, algo])).update(digest).digest();
}

/** true, false, or why it cannot be checked. */
function verifySignature(k: ImaKey, hash: string, digest: Buffer, signature: Buffer): boolean | string {
  if (k.key.asymmetricKeyType === "rsa") {
    const expected = digestInfo(hash, digest);
    if (!expected) return `no PKCS#1 DigestInfo for ${hash}`;
    try {
      return publicDecrypt({ key: k.key, padding: constants.RSA_PKCS1_PADDING }, signature).equals(expected);
    } catch {
      return false; // wrong length or padding: not a signature by this key
    }
  }
  const jwk = k.key.export({ format: "jwk" });
  if (!jwk.crv || !jwk.x || !jwk.y) return "an EC key without a named curve";
  try {
    return ecdsaVerifyDigest(jwk.crv, Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url"), digest, signature);
  } catch (e) {
    return (e as Error).message;
  }
}
