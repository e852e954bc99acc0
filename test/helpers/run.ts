// Runs extract/list with warnings and errors collected, for assertions.
import { extract, list } from "../../src/index.js";
import type { CpioxError, Warning } from "../../src/errors.js";
import type { ExtractOptions } from "../../src/options.js";
import { feed } from "./feed.js";
import { tempDir } from "./tmp.js";

export interface Outcome {
  dir: string;
  warnings: Warning[];
  error: CpioxError | null;
}

export async function extractBytes(bytes: Uint8Array, chunk = Infinity, opts: Partial<ExtractOptions> = {}, dir = tempDir()): Promise<Outcome> {
  const warnings: Warning[] = [];
  let error: CpioxError | null = null;
  try {
    await extract(feed(bytes, chunk), { cwd: dir, onwarn: (w) => warnings.push(w), ...opts });
  } catch (e) {
    error = e as CpioxError;
  }
  return { dir, warnings, error };
}

export async function listBytes(bytes: Uint8Array, chunk = Infinity) {
  const warnings: Warning[] = [];
  let error: CpioxError | null = null;
  let entries: Awaited<ReturnType<typeof list>> = [];
  try {
    entries = await list(feed(bytes, chunk), { onwarn: (w) => warnings.push(w) });
  } catch (e) {
    error = e as CpioxError;
  }
  return { entries, warnings, error };
}

export const codes = (ws: { code: string }[]) => ws.map((w) => w.code);
