// The gate between the archive and a sink when a command works on some entries only: selection
// by pattern, the caller's filter, names with leading components stripped; METADATA!!! records
// and .xattr-list paths follow the entries they belong to.
import type { XattrListPath } from "../core/xattr-list-file.js";
import { printableName, type Entry } from "../entries.js";
import type { Warning } from "../errors.js";
import { Selection, stripComponents, unmatchedWarning, type SelectOptions } from "./selection.js";

export interface GateOptions extends SelectOptions {
  stripComponents?: number;
  filter?(entry: Entry): boolean;
  onentry?(entry: Entry): void;
}

export class EntryGate {
  private readonly selection: Selection;
  private readonly strip: number;
  /** Entries let through, as the parser gave them -> as the sink saw them. */
  private readonly passed = new WeakMap<Entry, Entry>();

  /** Every entry passes unchanged: nothing to select, rename, filter or report. */
  private readonly open: boolean;

  constructor(private readonly opts: GateOptions) {
    this.selection = new Selection(opts);
    this.strip = opts.stripComponents ?? 0;
    stripComponents(Buffer.from("x"), this.strip); // validates the count before anything is read
    this.open = !this.selection.active && this.strip === 0 && !opts.filter && !opts.onentry;
  }

  /** The entry as the sink should see it, or null when it is left out. Trailers always pass. */
  admit(e: Entry): Entry | null {
    if (this.open || e.type === "trailer") return e;
    if (!this.selection.selects(e.name, e.member)) return null;
    let out = e;
    if (this.strip) {
      const name = stripComponents(e.name, this.strip);
      if (!name) return null;
      out = { ...e, name, path: printableName(name) };
    }
    if (this.opts.filter && !this.opts.filter(out)) return null;
    this.opts.onentry?.(out);
    this.passed.set(e, out);
    return out;
  }

  /** How an entry seen earlier was let through (a METADATA!!! record's target), or null. */
  admitted(e: Entry): Entry | null {
    return this.open ? e : this.passed.get(e) ?? null;
  }

  /** The .xattr-list paths of selected entries, renamed as their entries were. */
  listedPaths(paths: XattrListPath[]): XattrListPath[] {
    if (this.open) return paths;
    const out: XattrListPath[] = [];
    for (const p of paths) {
      if (!this.selection.selects(p.path)) continue;
      const path = this.strip ? stripComponents(p.path, this.strip) : p.path;
      if (path) out.push({ ...p, path });
    }
    return out;
  }

  /** One warning per pattern that selected nothing, for the end of the run. */
  unmatchedWarnings(): Warning[] {
    return this.selection.unmatched().map(unmatchedWarning);
  }
}
