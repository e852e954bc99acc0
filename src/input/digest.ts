// Checks the digest of the exact bytes read (--sha256, --sha512), computed while streaming.
import { createHash, type Hash } from "node:crypto";
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

/** Running digests of a stream: readable at any point, also when the stream failed midway. */
export class StreamDigests {
  bytes = 0;
  private readonly hashes = new Map<string, Hash>();

  constructor(algos: Iterable<string>) {
    for (const a of algos) this.hashes.set(a, createHash(a));
  }

  update(chunk: Uint8Array): void {
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
  }

  /** The digest of the bytes so far, in hex. */
  hex(algo: string): string {
    return this.hashes.get(algo)!.copy().digest("hex");
  }
}

const expectedAlgos = (d: ExpectedDigests) => (["sha256", "sha512"] as const).filter((a) => d[a] !== undefined);

/**
 * Passes the chunks through, hashing them; at the end a mismatch is CPIOX_DIGEST_MISMATCH.
 * `digests`, when given, is updated instead of a private one (it must compute the expected algorithms).
 */
export async function* verifyDigests(
  chunks: AsyncIterable<Uint8Array>, d: ExpectedDigests, digests?: StreamDigests,
): AsyncGenerator<Uint8Array> {
  const algos = expectedAlgos(d);
  if (!algos.length && !digests) {
    yield* chunks;
    return;
  }
  const running = digests ?? new StreamDigests(algos);
  for await (const c of chunks) {
    running.update(c);
    yield c;
  }
  for (const a of algos) {
    const got = running.hex(a);
    if (got !== d[a]!.toLowerCase()) {
      throw new CpioxError("CPIOX_DIGEST_MISMATCH", `${a} of the ${running.bytes} bytes read is ${got}, expected ${d[a]!.toLowerCase()}`);
    }
  }
}

/** The algorithms a StreamDigests must compute for these expectations, plus `also`. */
export const digestAlgos = (d: ExpectedDigests, ...also: string[]) => [...new Set([...expectedAlgos(d), ...also])];
