// The library API: extract, list, examine and an async iterator of entries over any source.
import { closeSync } from "node:fs";
import { CpioxError, describeWhere, makeWarner, type Warning } from "./errors.js";
import type { Entry, Xattr } from "./entries.js";
import { bothSinks } from "./core/body.js";
import { joinParts, splitName } from "./kernel/names.js";
import { ExtractSink, processUmask } from "./extract/sink.js";
import { errnoName } from "./native/errno.js";
import * as ffi from "./native/libc.js";
import { intoAtomicRoot, intoRoot } from "./extract/target.js";
import type { Source } from "./input/sources.js";
import { openSource, showMember } from "./input/open.js";
import { readArchive, type ArchiveEvents, type MemberInfo } from "./members/splitter.js";
import { eventsFor, verifierSetup } from "./verify/index.js";
import { Verifier } from "./verify/verifier.js";
import { isPrivileged, type ExamineOptions, type ExtractOptions, type ListOptions } from "./options.js";

export interface ExtractResult {
  members: MemberInfo[];
  entries: number;
  files: number;
  bytes: number;
  warnings: number;
  resolver: string;
}

export interface ExamineResult {
  size: number;
  members: MemberInfo[];
  warnings: number;
}

function counted(opts: { onwarn?: (w: Warning) => void; strict?: boolean }) {
  const counter = { warnings: 0 };
  const warn = makeWarner((w) => {
    counter.warnings++;
    opts.onwarn?.(w);
  }, opts.strict ?? false);
  return { counter, warn };
}

export async function extract(source: Source, options: ExtractOptions): Promise<ExtractResult> {
  if (!options.atomic) return intoRoot(options.cwd, (root) => extractInto(source, options, root));
  // --atomic: the swap needs a complete archive; one cut inside an entry is refused.
  let truncated: Warning | null = null;
  const onwarn = (w: Warning) => {
    if (w.code === "CPIOX_TRUNCATED") truncated ??= w;
    options.onwarn?.(w);
  };
  const { result, leftover } = await intoAtomicRoot(options.cwd, { replace: options.replace ?? false, umask: processUmask() }, async (root) => {
    const r = await extractInto(source, { ...options, onwarn }, root);
    if (truncated) {
      throw new CpioxError("CPIOX_INCOMPLETE", `the archive ends inside an entry, so the partial tree is not swapped in`, truncated);
    }
    return r;
  });
  if (leftover) {
    result.warnings++;
    options.onwarn?.({ code: "CPIOX_CLEANUP_FAILED", message: `the old tree was swapped out but not removed completely: ${leftover}` });
  }
  return result;
}

async function extractInto(source: Source, options: ExtractOptions, root: string): Promise<ExtractResult> {
  const { counter, warn } = counted(options);
  const rootFd = ffi.openat(ffi.AT_FDCWD, ffi.cpath(root), ffi.O_PATH | ffi.O_DIRECTORY | ffi.O_CLOEXEC);
  if (rootFd < 0) throw new CpioxError("CPIOX_TARGET", `cannot open the extraction root ${root} (${errnoName(-rootFd)})`);
  const privileged = isPrivileged();
  const sink = new ExtractSink({
    root, warn,
    makeParents: options.makeParents ?? false,
    preserveOwner: options.preserveOwner ?? privileged,
    privileged,
    resolver: options.resolver ?? "auto",
    xattrs: options.xattrs ?? true,
  }, rootFd);
  let entries = 0;
  const events: ArchiveEvents = {
    warn,
    entry(e) {
      if (e.type !== "trailer") entries++;
      return sink.entry(e);
    },
    metadata: (target, xattrs) => sink.metadata(target, xattrs),
    xattrList: (paths, from) => sink.xattrList(paths, from),
    memberStart: showMember(options),
  };
  const verifier = options.verify !== undefined
    ? new Verifier({ ...verifierSetup({ policy: options.verify, imaCerts: options.imaCerts }), onwarn: () => undefined })
    : null;
  try {
    const input = await openSource(source, options, warn);
    const summary = await readArchive(input.chunks, verifier ? alongside(events, verifier) : events, options).catch((e: unknown) => {
      // Say how far extraction got before the failure.
      if (e instanceof CpioxError) e.message += `; ${entries} entries (${sink.files} files, ${sink.bytes} bytes) were extracted before it`;
      throw e;
    });
    if (verifier) refuseIfFailed(verifier);
    return { members: summary.members, entries, files: sink.files, bytes: sink.bytes,
      warnings: counter.warnings, resolver: sink.resolverKind };
  } finally {
    sink.finish();
    closeSync(rootFd);
  }
}

/** Feeds the verifier the same events as the extraction, data included. */
function alongside(events: ArchiveEvents, verifier: Verifier): ArchiveEvents {
  const v = eventsFor(verifier);
  return {
    ...events,
    warn(w) {
      v.warn(w);
      events.warn(w);
    },
    entry: (e) => bothSinks(events.entry(e), v.entry(e)),
    metadata(target, xattrs, from) {
      v.metadata(target, xattrs, from);
      events.metadata?.(target, xattrs, from);
    },
    xattrListRead(paths, from) {
      v.xattrListRead(paths, from);
      events.xattrListRead?.(paths, from);
    },
    xattrList(paths, from) {
      v.xattrList(paths, from);
      events.xattrList?.(paths, from);
    },
    memberStart(m) {
      v.memberStart(m);
      events.memberStart?.(m);
    },
  };
}

function refuseIfFailed(verifier: Verifier): void {
  const done = verifier.finish();
  if (!done.errors) return;
  const errors = done.findings.filter((f) => f.severity === "error");
  const first = errors.slice(0, 3).map((f) => `${f.rule}${describeWhere({ entry: f.path ?? undefined, member: f.member ?? undefined, offset: f.offset ?? undefined })}: ${f.message}`);
  throw new CpioxError("CPIOX_VERIFY_FAILED", `${done.errors} policy violation(s): ${first.join("; ")}${done.errors > 3 ? "; ..." : ""}`);
}

/** Every entry in order, with its metadata (bodies are read past). */
export async function list(source: Source, options: ListOptions = {}): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of entries(source, options)) out.push(e);
  return out;
}

export async function examine(source: Source, options: ExamineOptions = {}): Promise<ExamineResult> {
  const { counter, warn } = counted(options);
  const input = await openSource(source, options, warn);
  const summary = await readArchive(input.chunks, { warn, entry: () => null, memberStart: showMember(options) }, options);
  return { size: summary.size, members: summary.members, warnings: counter.warnings };
}

/** A name as the key .xattr-list paths are matched by (components joined, "." dropped). */
function normalizedPath(name: Uint8Array): string {
  return joinParts(splitName(name)).toString("latin1");
}

/** Entries held back so a METADATA!!! file right after one can still add its xattrs. */
const HOLD_BACK = 2;

/**
 * Entries as an async iterator; trailers are not yielded. The archive is read as the consumer
 * pulls, so memory stays bounded however large the input.
 */
export async function* entries(source: Source, options: ListOptions = {}): AsyncGenerator<Entry> {
  const { warn } = counted(options);
  const input = await openSource(source, options, warn);
  let queue: Entry[] = [];
  let wakeConsumer: (() => void) | null = null;
  let wakeProducer: (() => void) | null = null;
  let done = false;
  let cancelled = false;
  let failure: unknown = null;
  const signal = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  // What a .xattr-list names, by normalized path: shown on the entries that follow it (and on
  // the ones still held back); entries already handed out cannot change.
  let listed = new Map<string, Xattr[]>();
  const attach = (e: Entry, xattrs: Xattr[] | undefined) => {
    if (xattrs?.length) e.xattrs = [...(e.xattrs ?? []), ...xattrs];
  };
  // The reader waits after each chunk until the consumer has taken what it produced.
  const run = readArchive(input.chunks, {
    warn,
    entry(e) {
      if (e.type === "trailer") return null;
      attach(e, listed.get(normalizedPath(e.name)));
      queue.push(e);
      return null;
    },
    metadata(target, xattrs) {
      attach(target, xattrs);
    },
    memberStart: showMember(options),
    xattrListRead(paths) {
      listed = new Map(paths.map((p) => [normalizedPath(p.path), p.xattrs]));
      for (const e of queue) attach(e, listed.get(normalizedPath(e.name)));
    },
    drain() {
      if (cancelled) return Promise.reject(new Error("consumer stopped"));
      if (queue.length <= HOLD_BACK) return undefined;
      signal();
      return new Promise<void>((r) => { wakeProducer = r; });
    },
  }, options).then(() => { done = true; }, (e) => { failure = e; done = true; }).finally(signal);
  try {
    for (;;) {
      if (queue.length > HOLD_BACK || (done && queue.length)) {
        const batch = done ? queue : queue.slice(0, queue.length - HOLD_BACK);
        queue = done ? [] : queue.slice(queue.length - HOLD_BACK);
        yield* batch;
        continue;
      }
      const resumeProducer = wakeProducer as (() => void) | null;
      wakeProducer = null;
      if (done) break;
      const next = new Promise<void>((r) => { wakeConsumer = r; });
      resumeProducer?.();
      await next;
    }
    if (failure) throw failure;
  } finally {
    cancelled = true;
    (wakeProducer as (() => void) | null)?.();
    await run;
  }
}
