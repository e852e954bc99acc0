// Minimal DER, one tag-length-value element at a time: reading ECDSA signatures and
// SubjectPublicKeyInfo (every length checked against the end of what holds it), writing the
// short DigestInfo of RSA PKCS#1 v1.5.

export interface DerElement {
  tag: number;
  content: Uint8Array;
  /** Offset just past the element. */
  end: number;
}

/** The element at `at`, or null if its header or content runs past the end (lengths up to 2^24). */
export function derElement(b: Uint8Array, at: number): DerElement | null {
  if (at + 2 > b.length) return null;
  const tag = b[at];
  let length = b[at + 1];
  let p = at + 2;
  if (length >= 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 3 || p + n > b.length) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[p++];
  }
  if (p + length > b.length) return null;
  return { tag, content: b.subarray(p, p + length), end: p + length };
}

/** One element with a short-form length (content under 128 bytes, as in a DigestInfo). */
export function derEncode(tag: number, content: Buffer): Buffer {
  if (content.length >= 0x80) throw new Error("derEncode writes short lengths only");
  return Buffer.concat([Buffer.from([tag, content.length]), content]);
}
