// The README documents every warning and error code the code can raise.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ErrorCodes, WarningCodes } from "../src/errors.js";
import { Rules } from "../src/verify/rules.js";

it("every error and warning code is documented in the README", () => {
  const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");
  const missing = [...Object.keys(ErrorCodes), ...Object.keys(WarningCodes)].filter((c) => !readme.includes(`\`${c}\``));
  expect(missing).toEqual([]);
});

it("every verify rule is documented in the README's rule table", () => {
  const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");
  const missing = Object.entries(Rules).filter(([c, r]) => !readme.includes(`| \`${c}\` | ${r.description.replace(/\|/g, "\\|")} | ${r.default} | ${r.strict} |`));
  expect(missing.map(([c]) => c)).toEqual([]);
});

it("every document the code and tests cite is in the repository's docs/", () => {
  const root = join(import.meta.dirname, "..");
  const walk = (dir: string): string[] => readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : /\.ts$/.test(d.name) ? [join(dir, d.name)] : []);
  const cited = new Set<string>();
  const bare: string[] = [];
  for (const file of ["src", "test", "bench", "assembly"].flatMap(walk)) {
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(/\b(docs\/)?([A-Z][A-Z-]+\.md)\b/g)) {
      if (m[2] === "README.md") continue;
      if (m[1]) cited.add(m[2]);
      else bare.push(`${file}: ${m[2]}`);
    }
  }
  expect(bare).toEqual([]);
  expect([...cited].filter((doc) => !existsSync(join(root, "docs", doc)))).toEqual([]);
  expect(cited.size).toBeGreaterThanOrEqual(2);
});
