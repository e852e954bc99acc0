// extractToStream() (`cpiox extract -O`): the selected regular files' data, in archive order, to
// a writable stream; nothing is written to disk. The archive is read only as fast as the stream
// takes the data.
import { once } from "node:events";
import { counted } from "../errors.js";
import type { Entry } from "../entries.js";
import type { Source } from "../input/sources.js";
import { openSource, showMember } from "../input/open.js";
import { readArchive, type MemberInfo } from "../members/splitter.js";
import type { ToStreamOptions } from "../options.js";
import { EntryGate } from "../select/gate.js";

export interface ToStreamResult {
  members: MemberInfo[];
  /** Regular files whose data was written. */
  files: number;
  bytes: number;
  warnings: number;
}

export async function extractToStream(source: Source, out: NodeJS.WritableStream, options: ToStreamOptions = {}): Promise<ToStreamResult> {
  const { counter, warn } = counted(options);
  const gate = new EntryGate(options);
  let files = 0, bytes = 0;
  let full = false; // the stream asked us to wait
  const input = await openSource(source, options, warn);
  const summary = await readArchive(input.chunks, {
    warn,
    entry(e: Entry) {
      const admitted = gate.admit(e);
      if (!admitted || admitted.type !== "file" || admitted.size === 0) return null;
      files++;
      return {
        write(chunk) {
          // The view is only valid during the call: the stream gets its own copy.
          if (!out.write(Buffer.from(chunk))) full = true;
          bytes += chunk.length;
        },
        end() {},
      };
    },
    memberStart: showMember(options),
    drain: () => {
      if (!full) return undefined;
      full = false;
      return once(out, "drain").then(() => undefined);
    },
  }, options);
  for (const w of gate.unmatchedWarnings()) warn(w);
  return { members: summary.members, files, bytes, warnings: counter.warnings };
}
