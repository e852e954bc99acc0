// The kernel's rules for entry names, pure (no I/O): split a name into components ("" and "."
// vanish; ".." is kept for whoever resolves the path, where it stops at the root), and the name
// shapes that only a directory may have.

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

/** True when the name's last component is "." or "..": it names an existing directory. */
export function namesDirectoryItself(name: Uint8Array): boolean {
  const n = name.length;
  const last = name.lastIndexOf(0x2f) + 1;
  const len = n - last;
  return (len === 1 && name[last] === 0x2e) || (len === 2 && name[last] === 0x2e && name[last + 1] === 0x2e);
}

/** A trailing "/" is accepted by mkdir but makes any other create fail. */
export function endsWithSlash(name: Uint8Array): boolean {
  return name.length > 0 && name[name.length - 1] === 0x2f;
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
