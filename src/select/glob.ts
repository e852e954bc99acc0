// Path globs for policies and for selecting entries, matched by picomatch (a well-kept matcher with documented syntax):
// "*" and "?" stay inside one component, "**" spans components, "[...]" classes, "{a,b}"
// alternatives and extglobs. Names starting with "." match like any other. A pattern picomatch
// cannot parse (an unclosed "[" or "{") is refused, never left to match nothing.
import picomatch from "picomatch";
import { CpioxError, type ErrorCode } from "../errors.js";

export type Glob = (path: string) => boolean;

const OPTIONS = { dot: true, strictBrackets: true } as const;

export function compileGlob(pattern: string, where = "policy", code: ErrorCode = "CPIOX_POLICY_INVALID"): Glob {
  if (pattern.length === 0) throw new CpioxError(code, `${where}: an empty glob matches nothing`);
  try {
    return picomatch(pattern, OPTIONS);
  } catch (e) {
    throw new CpioxError(code, `${where}: glob ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}
