// ECDSA verification over a digest that is already computed: node:crypto verifies only over the
// message, and an IMA v2 signature must be checked against the file digest hashed while streaming.
// Curve constants are the NIST ones (as `openssl ecparam -param_enc explicit` prints them); a = -3.
import { derElement } from "./der.js";

interface Curve {
  p: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
}

const h = (s: string) => BigInt(`0x${s}`);

export const CURVES: Record<string, Curve> = {
  "P-256": {
    p: h("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
    n: h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
    gx: h("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
    gy: h("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
  },
  "P-384": {
    p: h("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff"),
    n: h("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
    gx: h("aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7"),
    gy: h("3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"),
  },
  "P-521": {
    p: h("1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    n: h("1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"),
    gx: h("c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66"),
    gy: h("11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650"),
  },
};

type Point = [bigint, bigint, bigint]; // Jacobian X, Y, Z; Z = 0 is the point at infinity
const INFINITY: Point = [0n, 1n, 0n];

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function double([x, y, z]: Point, p: bigint): Point {
  if (z === 0n || y === 0n) return INFINITY;
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = (3n * mod(x - delta, p) * (x + delta)) % p;
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(a: Point, b: Point, p: bigint): Point {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const z1z1 = (a[2] * a[2]) % p;
  const z2z2 = (b[2] * b[2]) % p;
  const u1 = (a[0] * z2z2) % p;
  const u2 = (b[0] * z1z1) % p;
  const s1 = (a[1] * b[2] * z2z2) % p;
  const s2 = (b[1] * a[2] * z1z1) % p;
  if (u1 === u2) return s1 === s2 ? double(a, p) : INFINITY;
  const hh = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const h2 = (hh * hh) % p;
  const h3 = (h2 * hh) % p;
  const x3 = mod(r * r - h3 - 2n * u1 * h2, p);
  const y3 = mod(r * (u1 * h2 - x3) - s1 * h3, p);
  const z3 = (hh * a[2] * b[2]) % p;
  return [x3, y3, z3];
}

/** u1*G + u2*Q in one pass over the bits (Shamir's trick). */
function twoMultiply(u1: bigint, g: Point, u2: bigint, q: Point, p: bigint): Point {
  const gq = add(g, q, p);
  let acc = INFINITY;
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    acc = double(acc, p);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) acc = add(acc, gq, p);
    else if (b1) acc = add(acc, g, p);
    else if (b2) acc = add(acc, q, p);
  }
  return acc;
}

const toBigInt = (b: Uint8Array) => (b.length ? h(Buffer.from(b).toString("hex")) : 0n);

/** Reads a DER SEQUENCE { INTEGER r, INTEGER s }; null if it is not exactly that. */
export function parseDerSignature(sig: Uint8Array): { r: bigint; s: bigint } | null {
  const seq = derElement(sig, 0);
  if (!seq || seq.tag !== 0x30 || seq.end !== sig.length) return null;
  const ints: bigint[] = [];
  let at = 0;
  for (let i = 0; i < 2; i++) {
    const int = derElement(seq.content, at);
    if (!int || int.tag !== 0x02 || !int.content.length) return null;
    ints.push(toBigInt(int.content));
    at = int.end;
  }
  return at === seq.content.length ? { r: ints[0], s: ints[1] } : null;
}

/** Verifies an ECDSA signature (DER) over `digest` with the public point (x, y) on `curve`. */
export function ecdsaVerifyDigest(curveName: string, x: Uint8Array, y: Uint8Array, digest: Uint8Array, der: Uint8Array): boolean {
  const c = CURVES[curveName];
  if (!c) throw new Error(`unsupported curve ${curveName}`);
  const sig = parseDerSignature(der);
  if (!sig) return false;
  const { r, s } = sig;
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  // The digest's leftmost bits, as many as the order has.
  const nBits = c.n.toString(2).length;
  let e = toBigInt(digest);
  const dBits = digest.length * 8;
  if (dBits > nBits) e >>= BigInt(dBits - nBits);
  const w = inverse(s, c.n);
  const u1 = mod(e * w, c.n);
  const u2 = mod(r * w, c.n);
  const point = twoMultiply(u1, [c.gx, c.gy, 1n], u2, [toBigInt(x), toBigInt(y), 1n], c.p);
  if (point[2] === 0n) return false;
  const zi = inverse(point[2], c.p);
  const ax = (point[0] * zi * zi) % c.p;
  return mod(ax, c.n) === r;
}
