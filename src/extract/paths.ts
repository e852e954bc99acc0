// Pure name handling: split an archive name into components. "" and "." vanish; ".." is kept
// and resolved by the resolver, where it stops at the root (chroot semantics).

export function splitName(name: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i === name.length || name[i] === 0x2f) {
      const len = i - start;
      const isDot = len === 1 && name[start] === 0x2e;
      if (len > 0 && !isDot) parts.push(Buffer.from(name.subarray(start, i)));
      start = i + 1;
    }
  }
  return parts;
}

export function isDotDot(part: Uint8Array): boolean {
  return part.length === 2 && part[0] === 0x2e && part[1] === 0x2e;
}

export function joinParts(parts: readonly Uint8Array[]): Buffer {
  const out: Uint8Array[] = [];
  parts.forEach((p, i) => {
    if (i) out.push(SLASH);
    out.push(p);
  });
  return Buffer.concat(out);
}

const SLASH = Buffer.from("/");
