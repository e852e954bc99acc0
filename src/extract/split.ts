// extract --split: each member into its own subdirectory of the root, with the kernel's semantics
// inside it (its own hard-link table, directory times, resolver), named as unmkinitramfs names
// them: early, early2, ... for the members before the last, main for the last.
import { closeSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { CpioxError } from "../errors.js";
import { errnoName } from "../native/errno.js";
import * as ffi from "../native/libc.js";
import type { ExtractSink } from "./sink.js";

/** unmkinitramfs's names for `count` member directories, in member order. */
export function splitNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? "main" : i === 0 ? "early" : `early${i + 1}`));
}

export class MemberRoots {
  private current: { member: number; sink: ExtractSink; fd: number } | null = null;
  /** Members given a directory, in order, with their temporary names. */
  private readonly made: string[] = [];
  files = 0;
  bytes = 0;

  constructor(private readonly root: string, private readonly makeSink: (dir: string, fd: number) => ExtractSink) {
    if (readdirSync(root).length) throw new CpioxError("CPIOX_TARGET", `--split needs an empty or missing directory: ${root} is not empty`);
  }

  /** The sink of a member's root (made on its first entry; the previous member's is finished). */
  sinkFor(member: number): ExtractSink {
    if (this.current?.member === member) return this.current.sink;
    this.close();
    const name = `.cpiox-member-${member}`;
    const dir = join(this.root, name);
    mkdirSync(dir, { mode: 0o755 });
    const fd = ffi.openat(ffi.AT_FDCWD, ffi.cpath(dir), ffi.O_PATH | ffi.O_DIRECTORY | ffi.O_CLOEXEC);
    if (fd < 0) throw new CpioxError("CPIOX_TARGET", `cannot open ${dir} (${errnoName(-fd)})`);
    this.made.push(name);
    this.current = { member, sink: this.makeSink(dir, fd), fd };
    return this.current.sink;
  }

  /** The sink of a member whose root is still open, else null (its member is done). */
  openSink(member: number): ExtractSink | null {
    return this.current?.member === member ? this.current.sink : null;
  }

  /** Finishes the last member and gives every member directory its name. */
  finish(): void {
    this.close();
    splitNames(this.made.length).forEach((name, i) => renameSync(join(this.root, this.made[i]), join(this.root, name)));
  }

  private close(): void {
    if (!this.current) return;
    const { sink, fd } = this.current;
    this.current = null;
    try {
      sink.finish();
    } finally {
      closeSync(fd);
    }
    this.files += sink.files;
    this.bytes += sink.bytes;
  }
}
