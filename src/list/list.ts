// list() and examine(): the read-only commands as whole results. list() collects entries();
// examine() reads the members past every entry.
import type { Entry } from "../entries.js";
import { counted } from "../errors.js";
import type { Source } from "../input/sources.js";
import { openSource, showMember } from "../input/open.js";
import type { BootConfig } from "../members/bootconfig.js";
import { readArchive, type MemberInfo } from "../members/splitter.js";
import type { UkiInfo } from "../members/uki.js";
import type { ExamineOptions, ListOptions } from "../options.js";
import { entries } from "./entries.js";

export interface ExamineResult {
  size: number;
  members: MemberInfo[];
  warnings: number;
  /** The bootconfig trailer the image ends in, if any. */
  bootconfig?: BootConfig;
  /** A unified kernel image's sections (the members are those of the initrd inside it). */
  uki?: UkiInfo;
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
  return { size: summary.size, members: summary.members, warnings: counter.warnings, bootconfig: summary.bootconfig, uki: summary.uki };
}
