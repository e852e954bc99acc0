// The layering of src/ (docs/ARCHITECTURE.md): input -> members -> core -> entries -> sinks, with
// the kernel's rules in kernel/ and system bindings in native/. Read from the import statements
// (type imports included); `npm run check:layers` runs this file alone.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []);
}

/** Module (path under src/, without extension) -> the src modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
      targets.push(relative(SRC, resolve(dirname(file), m[1])).replace(/\.js$/, ""));
    }
    for (const m of text.matchAll(/import\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g)) {
      targets.push(relative(SRC, resolve(dirname(file), m[1])).replace(/\.js$/, ""));
    }
    graph.set(relative(SRC, file).replace(/\.ts$/, ""), targets);
  }
  return graph;
}

const layer = (module: string) => (module.includes("/") ? module.split("/")[0] : "(root)");

/** Rules: a module in `from` must not import from any layer in `not`. */
const FORBIDDEN: { from: string[]; not: string[]; why: string }[] = [
  { from: ["core", "kernel", "verify", "input"], not: ["extract"], why: "reading and judging an image never needs the filesystem sink" },
  { from: ["create"], not: ["members", "extract"], why: "writing an image shares the kernel's rules and native bindings, not the reader's" },
  { from: ["diff"], not: ["extract", "create", "native"], why: "diff compares two read-only tree models; it writes nothing and binds nothing itself" },
  { from: ["kernel", "native", "input", "core", "members", "extract", "select", "verify", "create", "list", "process", "cli", "bench", "diff", "serve"],
    not: ["commands"], why: "commands/ holds the CLI's runners: only cli.ts uses them" },
  { from: ["serve"], not: ["extract", "create", "native", "list"], why: "the service verifies; it never unpacks, writes images or binds system libraries itself" },
  { from: ["kernel"], not: ["native", "input", "members", "core", "verify", "create"], why: "kernel/ is pure: no I/O, no FFI" },
];

/** Entry points: nothing below them imports them. */
const ENTRY_POINTS = ["index", "cli"];

/** Shared types (and the small helpers that belong to them), the only other files at the src/ root. */
const SHARED_TYPES = ["entries", "errors", "options"];

describe("layers", () => {
  const graph = importGraph();

  it("reads the whole tree", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("verify/verifier")).toContain("kernel/modes");
  });

  it.each(FORBIDDEN)("$from do not import from $not", ({ from, not }) => {
    const bad = [...graph].flatMap(([m, targets]) =>
      from.includes(layer(m)) ? targets.filter((t) => not.includes(layer(t))).map((t) => `${m} -> ${t}`) : []);
    expect(bad).toEqual([]);
  });

  it("kernel/ binds nothing and touches no file", () => {
    const impure = [...graph.keys()].filter((m) => layer(m) === "kernel")
      .filter((m) => /from\s+"(node:fs|node:child_process|koffi|undici)"/.test(readFileSync(join(SRC, `${m}.ts`), "utf8")));
    expect(impure).toEqual([]);
  });

  it("nothing imports an entry point", () => {
    const bad = [...graph].flatMap(([m, targets]) =>
      layer(m) === "(root)" && ENTRY_POINTS.includes(m) ? [] : targets.filter((t) => ENTRY_POINTS.includes(t)).map((t) => `${m} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it("the src/ root holds only the entry points and shared types", () => {
    const rootFiles = [...graph.keys()].filter((m) => layer(m) === "(root)").sort();
    expect(rootFiles).toEqual([...ENTRY_POINTS, ...SHARED_TYPES].sort());
  });

  it("no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (m: string) => {
      state.set(m, "open");
      stack.push(m);
      for (const t of graph.get(m) ?? []) {
        if (!graph.has(t)) continue;
        if (state.get(t) === "open") cycles.push([...stack.slice(stack.indexOf(t)), t].join(" -> "));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(m, "done");
    };
    for (const m of graph.keys()) if (!state.has(m)) visit(m);
    expect(cycles).toEqual([]);
  });
});
