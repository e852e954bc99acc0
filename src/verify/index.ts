// cpiox verify: reads an image once, touches no disk, and reports whether it passes a policy.
import { CpioxError } from "../errors.js";
import { openSource, showMember } from "../input/open.js";
import { digestAlgos, StreamDigests } from "../input/digest.js";
import type { Source } from "../input/sources.js";
import { readArchive, type ArchiveEvents, type ArchiveSummary, type MemberInfo } from "../members/splitter.js";
import type { Entry } from "../entries.js";
import type { CommonOptions } from "../options.js";
import { loadImaKeys, type ImaCertBytes, type ImaKey } from "./keys.js";
import { formatManifest, readManifest, type ManifestRow } from "./manifest.js";
import { compilePolicy, loadPolicy, type CompiledPolicy, type Policy } from "./policy.js";
import { REPORT_SCHEMA, type VerifyReport } from "./report.js";
import { Verifier } from "./verifier.js";

/** The source options of every command; `strict` does not apply: every warning is already a finding. */
export interface VerifyOptions extends Omit<CommonOptions, "strict"> {
  /** "default" (the default), "strict", a policy JSON file, or a parsed policy. */
  policy?: string | Policy;
  /** Certificates or public keys (PEM or DER files, or their bytes) for IMA signatures. */
  imaCerts?: (string | ImaCertBytes)[];
  /** A manifest (file or parsed) the image must match. */
  against?: string | Map<string, ManifestRow>;
  /** Also return the image's manifest (one line per path; costs a line of memory per path). */
  manifest?: boolean;
  /** Check only the entries of these members (indexes from 0); the image's digests still cover it all. */
  members?: number[];
}

export interface VerifyResult {
  report: VerifyReport;
  /** The image's manifest (see --manifest) when `manifest` was asked for, else null. */
  manifest: string | null;
}

/** Resolves the options that name files into what the Verifier needs; bad ones throw at once. */
export function verifierSetup(options: Pick<VerifyOptions, "policy" | "imaCerts" | "against">) {
  const policy: CompiledPolicy = typeof options.policy === "object" ? compilePolicy(options.policy) : loadPolicy(options.policy);
  const imaKeys: ImaKey[] = (options.imaCerts ?? []).flatMap((c) => loadImaKeys(c));
  const against = typeof options.against === "string" ? readManifest(options.against) : options.against;
  return { policy, imaKeys, against };
}

export function eventsFor(v: Verifier): Required<Pick<ArchiveEvents, "warn" | "entry" | "metadata" | "xattrList" | "xattrListRead" | "memberStart">> {
  return { warn: v.warn, entry: v.entry, metadata: v.metadata, xattrList: v.xattrList, xattrListRead: v.xattrListRead, memberStart: v.memberStart };
}

/** Errors that mean the input could not be read, as opposed to an image that is damaged. */
const UNREADABLE: ReadonlySet<string> = new Set(["CPIOX_INPUT", "CPIOX_HTTP", "CPIOX_HTTP_CHANGED"]);

/**
 * Reads an image into a verifier, once: with --member only those members' entries reach it
 * (trailers always, for hard links), `seen` collects the members as they start, and `tap` sees
 * every entry the verifier is given.
 */
export async function readIntoVerifier(
  verifier: Verifier, source: Source, options: Omit<VerifyOptions, "policy" | "imaCerts" | "against" | "manifest">,
  extra: { digests?: StreamDigests; seen?: MemberInfo[]; tap?: (e: Entry) => void } = {},
): Promise<ArchiveSummary> {
  const events = eventsFor(verifier);
  const input = await openSource(source, options, events.warn, extra.digests);
  const only = options.members?.length ? new Set(options.members) : null;
  return readArchive(input.chunks, {
    ...events,
    entry: (e) => {
      if (only && e.type !== "trailer" && !only.has(e.member)) return null;
      extra.tap?.(e);
      return events.entry(e);
    },
    metadata: (target, xattrs, from) => { if (!only || only.has(target.member)) events.metadata(target, xattrs, from); },
    memberStart: (m) => { extra.seen?.push(m); events.memberStart(m); showMember(options)(m); },
  }, options);
}

export async function verify(source: Source, options: VerifyOptions = {}): Promise<VerifyResult> {
  const setup = verifierSetup(options);
  const verifier = new Verifier({ ...setup, manifest: options.manifest, onwarn: options.onwarn });
  // The image's SHA-256 comes from the same pass that checks --sha256/--sha512.
  const image = new StreamDigests(digestAlgos(options, "sha256"));
  let members: MemberInfo[] = [];
  let error: VerifyReport["error"] = null;
  try {
    const seen: MemberInfo[] = [];
    const summary = await readIntoVerifier(verifier, source, options, { digests: image, seen }).catch((e: unknown) => {
      members = seen;
      throw e;
    });
    members = summary.members;
  } catch (e) {
    // A limit rated "error" that ended the read fails the image; it does not make it malformed.
    if (!verifier.stopped) {
      const coded = e instanceof CpioxError ? e : new CpioxError("CPIOX_INTERNAL", String((e as Error)?.message ?? e));
      error = { code: coded.code, message: coded.message, member: coded.member ?? null, offset: coded.offset ?? null };
    }
  }
  if (!error && verifier.damage) {
    const w = verifier.damage;
    error = { code: w.code, message: `${w.code}: ${w.message}`, member: w.member ?? null, offset: w.offset ?? null };
  }
  const done = verifier.finish();
  const failed = done.errors > 0;
  // An input that could not be read (missing, a directory, HTTP failed) says nothing about an image.
  const unreadable = error !== null && UNREADABLE.has(error.code);
  const report: VerifyReport = {
    schema: REPORT_SCHEMA,
    result: unreadable ? "unreadable" : error ? "malformed" : failed ? "fail" : "pass",
    policy: setup.policy.name,
    // The digest is of the whole image only: none when the read stopped early or never started.
    image: { size: image.bytes, sha256: unreadable || verifier.stopped ? null : image.hex("sha256") },
    members: members.map(({ index, kind, start, end, uncompressedSize, entries }) => ({ index, kind, start, end, uncompressedSize, entries })),
    counts: done.counts,
    findings: done.findings,
    suppressed: done.suppressed,
    ima: done.ima,
    error,
  };
  return { report, manifest: options.manifest && done.manifest ? formatManifest(done.manifest) : null };
}

export { loadPolicy, parsePolicy, builtinPolicy } from "./policy.js";
export { Rules, type RuleCode } from "./rules.js";
export { exitCode, summarize, type VerifyReport, type Finding } from "./report.js";
export { Verifier } from "./verifier.js";
