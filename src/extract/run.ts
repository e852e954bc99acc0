// extract(): opens the source, reads the archive into the extract sink (under a plain or an
// --atomic root), and with `verify` runs the verifier on the same events in the same pass.
import { closeSync } from "node:fs";
import { counted, CpioxError, type Warning } from "../errors.js";
import { ExtractSink, processUmask } from "./sink.js";
import { errnoName } from "../native/errno.js";
import * as ffi from "../native/libc.js";
import { intoAtomicRoot, intoRoot } from "./target.js";
import type { Source } from "../input/sources.js";
import { openSource, showMember } from "../input/open.js";
import { readArchive, type ArchiveEvents, type MemberInfo } from "../members/splitter.js";
import { isPrivileged, type ExtractOptions } from "../options.js";
import { EntryGate } from "../select/gate.js";
import { MemberRoots } from "./split.js";

export interface ExtractResult {
  members: MemberInfo[];
  entries: number;
  files: number;
  bytes: number;
  warnings: number;
  resolver: string;
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
  const sinkFor = (dir: string, fd: number) => new ExtractSink({
    root: dir, warn,
    makeParents: options.makeParents ?? false,
    preserveOwner: options.preserveOwner ?? privileged,
    privileged,
    resolver: options.resolver ?? "auto",
    xattrs: options.xattrs ?? true,
  }, fd);
  const sink = sinkFor(root, rootFd);
  // --split: a root per member, each with the kernel's semantics of its own.
  const split = options.split ? new MemberRoots(root, sinkFor) : null;
  const entrySink = (member: number) => (split ? split.sinkFor(member) : sink);
  const openSink = (member: number) => (split ? split.openSink(member) : sink);
  let entries = 0;
  // Selection, filter and --strip-components: what the sink sees (the verifier sees everything).
  const gate = new EntryGate(options);
  const events: ArchiveEvents = {
    warn,
    entry(e) {
      const admitted = gate.admit(e);
      if (!admitted) return null;
      if (admitted.type !== "trailer") entries++;
      return entrySink(e.member).entry(admitted);
    },
    metadata(target, xattrs) {
      const admitted = gate.admitted(target);
      if (admitted) openSink(target.member)?.metadata(admitted, xattrs);
    },
    xattrList: (paths, from) => openSink(from.member)?.xattrList(gate.listedPaths(paths), from),
    memberStart: showMember(options),
  };
  // The verify code loads only when asked for: most extractions do not pay for it.
  const verifier = options.verify !== undefined
    ? (await import("./verify-alongside.js")).verifyAlongside(options.verify, options.imaCerts)
    : null;
  try {
    const input = await openSource(source, options, warn);
    const summary = await readArchive(input.chunks, verifier ? verifier.alongside(events) : events, options).catch((e: unknown) => {
      // Say how far extraction got before the failure.
      if (e instanceof CpioxError) e.message += `; ${entries} entries (${sink.files} files, ${sink.bytes} bytes) were extracted before it`;
      throw e;
    });
    verifier?.refuseIfFailed();
    for (const w of gate.unmatchedWarnings()) warn(w);
    split?.finish();
    return { members: summary.members, entries, files: sink.files + (split?.files ?? 0), bytes: sink.bytes + (split?.bytes ?? 0),
      warnings: counter.warnings, resolver: sink.resolverKind };
  } finally {
    sink.finish();
    closeSync(rootFd);
  }
}
