// Checks the digest of the exact bytes read (--sha256, --sha512), computed while streaming.
import { createHash } from "node:crypto";
import { CpioxError } from "../errors.js";

export interface ExpectedDigests {
  sha256?: string;
  sha512?: string;
}

const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

/** Validates the expected digests up front: hex of the right length. */
export function checkDigestOptions(d: ExpectedDigests): void {
  for (const algo of ["sha256", "sha512"] as const) {
    const v = d[algo];
    if (v !== undefined && !new RegExp(`^[0-9a-fA-F]{${HEX_LENGTH[algo]}}$`).test(v)) {
      throw new CpioxError("CPIOX_BAD_ARGUMENT", `--${algo} takes ${HEX_LENGTH[algo]} hex digits`);
    }
  }
}

/** Passes the chunks through, hashing them; at the end a mismatch is CPIOX_DIGEST_MISMATCH. */
export async function* verifyDigests(chunks: AsyncIterable<Uint8Array>, d: ExpectedDigests): AsyncGenerator<Uint8Array> {
  const algos = (["sha256", "sha512"] as const).filter((a) => d[a] !== undefined);
  if (!algos.length) {
    yield* chunks;
    return;
  }
  const hashes = algos.map((a) => createHash(a));
  let bytes = 0;
  for await (const c of chunks) {
    for (const h of hashes) h.update(c);
    bytes += c.length;
    yield c;
  }
  algos.forEach((a, i) => {
    const got = hashes[i].digest("hex");
    if (got !== d[a]!.toLowerCase()) {
      throw new CpioxError("CPIOX_DIGEST_MISMATCH", `${a} of the ${bytes} bytes read is ${got}, expected ${d[a]!.toLowerCase()}`);
    }
  });
}
