// The README documents every warning and error code the code can raise.
import { readFileSync } from "node:fs";
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
