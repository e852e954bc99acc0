// entries(): the archive's entries as a pull iterator; the archive is read as fast as the
// consumer takes them, through input/pull-queue.ts.
import type { Entry, Xattr } from "../entries.js";
import { counted } from "../errors.js";
import { joinParts, splitName } from "../kernel/names.js";
import type { Source } from "../input/sources.js";
import { openSource, showMember } from "../input/open.js";
import { PullQueue } from "../input/pull-queue.js";
import { readArchive } from "../members/splitter.js";
import type { BodySink } from "../core/body.js";
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
  if (options.data) {
    yield* entriesWithData(source, options);
    return;
  }
  const queue = new PullQueue<Entry>({ highWater: HOLD_BACK + 1, holdBack: HOLD_BACK });
  const { run } = await readSelected(source, options, queue, {
    entry(e) {
      queue.push(e);
      return null;
    },
    // Entries still held back get what a .xattr-list read after them names.
    relisted: (attachListed) => queue.pending.forEach(attachListed),
  });
  try {
    for await (const batch of queue.batches()) yield* batch;
  } finally {
    await run;
  }
}

/** The end of an entry's data in the queue. */
const DATA_END = Symbol("end of data");
type Item = Entry | Buffer | typeof DATA_END;

/** Bytes of data queued at most before the reader waits for the consumer. */
export const DATA_QUEUE_MAX = 4 << 20;

/**
 * entries() with `data`: each regular file comes with its data as an async iterable of chunks,
 * read from the same pass; a consumer that does not read it applies backpressure to the whole
 * input (at most DATA_QUEUE_MAX bytes wait). Data not read before the next entry is asked for is
 * passed over. No entry is held back, so xattrs from a METADATA!!! record (which follows its
 * entry's data) appear on the entry object only once that record has been read.
 */
async function* entriesWithData(source: Source, options: ListOptions): AsyncGenerator<Entry> {
  const queue = new PullQueue<Item>({ highWater: DATA_QUEUE_MAX, weigh: (i) => (Buffer.isBuffer(i) ? i.length : 1) });
  const { run } = await readSelected(source, options, queue, {
    entry(e) {
      queue.push(e);
      if (e.type !== "file" || e.size === 0) return null;
      // The views are valid only during the call: each chunk is copied for the consumer.
      return { write: (chunk) => queue.push(Buffer.from(chunk)), end: () => queue.push(DATA_END) };
    },
  });
  const batches = queue.batches();
  let batch: Item[] = [];
  let at = 0;
  const nextItem = async (): Promise<Item | undefined> => {
    while (at >= batch.length) {
      const r = await batches.next();
      if (r.done) return undefined;
      batch = r.value;
      at = 0;
    }
    return batch[at++];
  };
  let current: { done: boolean } | null = null;
  const empty: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
  try {
    for (;;) {
      // The previous file's data the consumer did not read is passed over.
      if (current && !current.done) {
        for (let x = await nextItem(); x !== undefined && x !== DATA_END; x = await nextItem());
        current.done = true;
      }
      const item = await nextItem();
      if (item === undefined) break;
      if (Buffer.isBuffer(item) || item === DATA_END) continue;
      if (item.type === "file" && item.size > 0) {
        const state = { done: false };
        current = state;
        item.data = {
          async *[Symbol.asyncIterator]() {
            while (!state.done) {
              const x = await nextItem();
              if (x === undefined || x === DATA_END) {
                state.done = true;
                return;
              }
              yield x as Buffer;
            }
          },
        };
      } else if (item.type === "file") {
        item.data = empty;
      }
      yield item;
    }
  } finally {
    await batches.return(undefined);
    await run;
  }
}

/**
 * Starts reading the archive for entries(): trailers dropped, the selection applied, xattrs a
 * .xattr-list names (on entries after it) and METADATA!!! records attach to their entries,
 * patterns that matched nothing warned about; the reader waits while `queue` is full. `run` is
 * the read, which ends or fails the queue.
 */
async function readSelected<T>(
  source: Source, options: ListOptions, queue: PullQueue<T>,
  take: { entry(e: Entry): BodySink | null; relisted?(attachListed: (e: Entry) => void): void },
): Promise<{ run: Promise<void> }> {
  const { warn } = counted(options);
  const selection = new Selection(options);
  const input = await openSource(source, options, warn);
  // What a .xattr-list names, by normalized path; entries already handed out cannot change.
  let listed = new Map<string, Xattr[]>();
  const attach = (e: Entry, xattrs: Xattr[] | undefined) => {
    if (xattrs?.length) e.xattrs = [...(e.xattrs ?? []), ...xattrs];
  };
  // Most images have no .xattr-list: then no name needs normalizing.
  const attachListed = (e: Entry) => {
    if (listed.size) attach(e, listed.get(normalizedPath(e.name)));
  };
  // Wrapped: an async function would otherwise wait for the whole read, which waits for the consumer.
  const run = readArchive(input.chunks, {
    warn,
    entry(e) {
      if (e.type === "trailer" || !selection.selects(e.name, e.member)) return null;
      attachListed(e);
      return take.entry(e);
    },
    metadata: (target, xattrs) => attach(target, xattrs),
    memberStart: showMember(options),
    xattrListRead(paths) {
      listed = new Map(paths.map((p) => [normalizedPath(p.path), p.xattrs]));
      take.relisted?.(attachListed);
    },
    drain: () => queue.waitForRoom(),
  }, options).then(() => {
    for (const pattern of selection.unmatched()) warn(unmatchedWarning(pattern));
    queue.end();
  }, (e) => queue.fail(e));
  return { run };
}
