// Path globs for policies: "*" and "?" stay inside one component, "**" spans components
// ("usr/**" matches everything under usr/, "**/x" matches x at any depth).

export type Glob = (path: string) => boolean;

export function compileGlob(pattern: string): Glob {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      const slashAfter = pattern[i + 2] === "/";
      // "**/" may match nothing at all; a trailing "**" matches any rest.
      re += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else {
      re += c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    }
  }
  const compiled = new RegExp(`^${re}$`, "s");
  return (path) => compiled.test(path);
}
