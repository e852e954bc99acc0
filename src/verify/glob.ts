// Path globs for policies, matched by picomatch (a well-kept matcher with documented syntax):
// "*" and "?" stay inside one component, "**" spans components, "[...]" classes, "{a,b}"
// alternatives and extglobs. Names starting with "." match like any other. A pattern picomatch
// cannot parse (an unclosed "[" or "{") is refused, never left to match nothing.
import picomatch from "picomatch";
import { CpioxError } from "../errors.js";

export type Glob = (path: string) => boolean;

const OPTIONS = { dot: true, strictBrackets: true } as const;

export function compileGlob(pattern: string, where = "policy"): Glob {
  if (pattern.length === 0) throw new CpioxError("CPIOX_POLICY_INVALID", `${where}: an empty glob matches nothing`);
  try {
    return picomatch(pattern, OPTIONS);
  } catch (e) {
    throw new CpioxError("CPIOX_POLICY_INVALID", `${where}: glob ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}
