// entries(): the archive's entries as a pull iterator; the archive is read as fast as the
// consumer takes them, through input/pull-queue.ts.
import type { Entry, Xattr } from "../entries.js";
import { counted } from "../errors.js";
import { joinParts, splitName } from "../kernel/names.js";
import type { Source } from "../input/sources.js";
import { openSource, showMember } from "../input/open.js";
import { PullQueue } from "../input/pull-queue.js";
import { readArchive } from "../members/splitter.js";
import type { ListOptions } from "../options.js";
import { Selection, unmatchedWarning } from "../select/selection.js";

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
  const selection = new Selection(options);
  const input = await openSource(source, options, warn);
  const queue = new PullQueue<Entry>({ highWater: HOLD_BACK + 1, holdBack: HOLD_BACK });
  // What a .xattr-list names, by normalized path: shown on the entries that follow it (and on
  // the ones still held back); entries already handed out cannot change.
  let listed = new Map<string, Xattr[]>();
  const attach = (e: Entry, xattrs: Xattr[] | undefined) => {
    if (xattrs?.length) e.xattrs = [...(e.xattrs ?? []), ...xattrs];
  };
  // Most images have no .xattr-list: then no name needs normalizing.
  const attachListed = (e: Entry) => {
    if (listed.size) attach(e, listed.get(normalizedPath(e.name)));
  };
  // The reader waits after each chunk until the consumer has taken what it produced.
  const run = readArchive(input.chunks, {
    warn,
    entry(e) {
      if (e.type === "trailer" || !selection.selects(e.name, e.member)) return null;
      attachListed(e);
      queue.push(e);
      return null;
    },
    metadata(target, xattrs) {
      attach(target, xattrs);
    },
    memberStart: showMember(options),
    xattrListRead(paths) {
      listed = new Map(paths.map((p) => [normalizedPath(p.path), p.xattrs]));
      for (const e of queue.pending) attachListed(e);
    },
    drain: () => queue.waitForRoom(),
  }, options).then(() => {
    for (const pattern of selection.unmatched()) warn(unmatchedWarning(pattern));
    queue.end();
  }, (e) => queue.fail(e));
  try {
    for await (const batch of queue.batches()) yield* batch;
  } finally {
    await run;
  }
}
