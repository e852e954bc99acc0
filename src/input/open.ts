// Opens any source for a command: expected digests checked and progress counted as it streams.
import type { Warning } from "../errors.js";
import type { MemberInfo } from "../members/splitter.js";
import type { ProgressLine } from "./progress.js";
import { checkDigestOptions, verifyDigests, type ExpectedDigests, type StreamDigests } from "./digest.js";
import type { HttpOptions } from "./http.js";
import { openSource as openRaw, type Source } from "./sources.js";

/** `digests`, when given, hashes the bytes read (see verifyDigests). */
export async function openSource(
  source: Source, options: ExpectedDigests & { http?: HttpOptions; progress?: ProgressLine }, warn: (w: Warning) => void,
  digests?: StreamDigests,
) {
  checkDigestOptions(options);
  const input = await openRaw(source, options.http, warn);
  // Nothing to count or hash: the source as it is, so a file can skip what nobody reads.
  if (!options.progress && !digests && options.sha256 === undefined && options.sha512 === undefined) return input;
  const counted = options.progress ? (options.progress.setTotal(input.size), options.progress.count(input.chunks)) : input.chunks;
  return { ...input, chunks: verifyDigests(counted, options, digests) };
}

/** Tells the progress line which member is being read. */
export const showMember = (options: { progress?: ProgressLine }) => (m: MemberInfo) =>
  options.progress?.setMember(`member ${m.index} (${m.kind})`);
