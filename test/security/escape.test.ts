// Hostile archives: nothing outside the extraction root may change, whatever the archive holds.
// Each case runs with the kernel's RESOLVE_IN_ROOT and with the userspace resolver.
import { mkdirSync, writeFileSync, readFileSync, readlinkSync, lstatSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archive } from "../helpers/newc.js";
import { hostileCases } from "../helpers/hostile.js";
import { extractBytes } from "../helpers/run.js";
import { snapshot } from "../helpers/tree.js";
import { tempDir } from "../helpers/tmp.js";

function sandbox() {
  const box = tempDir("cpiox-sec-");
  const outside = join(box, "outside");
  mkdirSync(join(outside, "etc"), { recursive: true });
  writeFileSync(join(outside, "etc/passwd"), "root:x:0:0\n");
  writeFileSync(join(outside, "victim"), "precious");
  const root = join(box, "root");
  mkdirSync(root);
  return { box, outside, root };
}

function outsideState(box: string) {
  const snap = snapshot(box);
  return Object.fromEntries(Object.entries(snap).filter(([p]) => p !== "root" && !p.startsWith("root/")));
}

const variants = (["openat2", "userspace"] as const).flatMap((r) => [1, 7, Infinity].map((c) => [r, c] as const));

describe.each(variants)("escape attempts (%s resolver, chunks of %s)", (resolver, chunk) => {
  it.each(hostileCases)("%s: nothing outside the root changes", async (_name, build, check) => {
    const { box, outside, root } = sandbox();
    const before = outsideState(box);
    const r = await extractBytes(archive(build(outside)), chunk, { resolver }, root);
    expect(r.error).toBeNull();
    expect(outsideState(box)).toEqual(before);
    expect(readFileSync(join(outside, "victim"), "latin1")).toBe("precious");
    expect(readFileSync(join(outside, "etc/passwd"), "latin1")).toBe("root:x:0:0\n");
    check?.(root);
  });

  it("an absolute symlink target resolves inside the root (chroot semantics)", async () => {
    const { root } = sandbox();
    const img = archive([
      { name: "etc", mode: 0o40755 }, { name: "link", mode: 0o120777, data: "/etc" },
      { name: "link/hostname", data: "inside" }, { name: "up", mode: 0o120777, data: "../../../etc" },
      { name: "up/issue", data: "also inside" },
    ]);
    const r = await extractBytes(img, chunk, { resolver }, root);
    expect(r.error).toBeNull();
    expect(readFileSync(join(root, "etc/hostname"), "latin1")).toBe("inside");
    expect(readFileSync(join(root, "etc/issue"), "latin1")).toBe("also inside");
    expect(existsSync("/etc/issue") ? readFileSync("/etc/issue", "latin1") : "").not.toBe("also inside");
  });
});
