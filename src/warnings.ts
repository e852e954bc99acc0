// A command's warnings: counted, passed to the caller, and fatal under strict.
import { makeWarner, type Warning } from "./errors.js";

export function counted(opts: { onwarn?: (w: Warning) => void; strict?: boolean }) {
  const counter = { warnings: 0 };
  const warn = makeWarner((w) => {
    counter.warnings++;
    opts.onwarn?.(w);
  }, opts.strict ?? false);
  return { counter, warn };
}
