// The man page and the shell completion: every option each command's --help lists is in the man
// page, which groff formats without a warning; completion offers commands and each command's
// options.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { installed } from "./helpers/installed.js";

const root = join(import.meta.dirname, "..");
const cli = join(root, "bin/cpiox.cjs");
const COMMANDS = ["extract", "list", "examine", "verify", "diff", "create", "bench", "serve", "worker"];

it("man/cpiox.1 names every option of every command and formats cleanly", () => {
  const page = readFileSync(join(root, "man/cpiox.1"), "latin1").replace(/\\-/g, "-").replace(/\\f[BRIP]/g, "");
  for (const c of COMMANDS) {
    const help = execFileSync(process.execPath, [cli, c, "--help"], { encoding: "utf8" });
    for (const opt of new Set(help.match(/--[a-z0-9-]+/g))) expect(page, `${c} ${opt}`).toContain(opt);
    expect(page).toContain(`.B ${c}`);
  }
  const groff = spawnSync("groff", ["-man", "-Tutf8", "-ww", "-z", join(root, "man/cpiox.1")], { encoding: "utf8" });
  expect(groff.status).toBe(0);
  expect(groff.stderr).toBe("");
});

it("bash completion: commands, then each command's own options", () => {
  const complete = (words: string[]) => execFileSync("bash", ["-c",
    `cpiox() { "${process.execPath}" "${cli}" "$@"; }; source completions/cpiox.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _cpiox; echo "\${COMPREPLY[@]}"`,
  ], { cwd: root, encoding: "utf8" }).trim();
  expect(complete(["cpiox", "ex"])).toBe("extract examine");
  expect(complete(["cpiox", "extract", "--str"])).toBe("--strict --strip-components");
  expect(complete(["cpiox", "examine", "--b"])).toBe("--bootconfig --bytes");
  expect(complete(["cpiox", "d"])).toBe("diff");
});

const hasZsh = installed("zsh");
if (!hasZsh) console.warn("zsh completion test: zsh missing; skipped");

it.skipIf(!hasZsh)("zsh completion: commands, then each command's own options, else files", () => {
  // compadd and _files exist only inside a completion widget: stand-ins print what they are given.
  // The file's last line calls the function, as autoloaded completions do; it is left out here.
  const complete = (words: string[], prefix: string) => execFileSync("zsh", ["-c",
    `cpiox() { "${process.execPath}" "${cli}" "$@"; }; compadd() { print -r -- "\${(j: :)@:#--}"; }; _files() { print -r -- FILES; }; ` +
    `eval "$(sed '$d' completions/_cpiox)"; words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; PREFIX='${prefix}'; _cpiox`,
  ], { cwd: root, encoding: "utf8" }).trim();
  expect(complete(["cpiox", ""], "").split(" ")).toEqual(["extract", "list", "examine", "verify", "diff", "create", "bench", "serve", "worker", "--help", "--version"]);
  const diffOptions = complete(["cpiox", "diff", "--"], "--").split(" ");
  expect(diffOptions).toContain("--json");
  expect(diffOptions).toContain("--member");
  expect(diffOptions).not.toContain("--directory");
  expect(complete(["cpiox", "extract", "x"], "x")).toBe("FILES");
});
