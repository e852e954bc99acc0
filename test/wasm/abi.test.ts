import { describe, expect, it } from "vitest";
import * as mirror from "../../src/core/abi.js";
import { coreModule } from "../../src/core/wasm.js";

describe("TS <-> WASM ABI", () => {
  it("the TypeScript mirror equals every constant the module exports", () => {
    const instance = new WebAssembly.Instance(coreModule(), { env: { abort() {} } });
    const exported = Object.entries(instance.exports)
      .filter(([, v]) => v instanceof WebAssembly.Global)
      .map(([k, v]) => [k, (v as WebAssembly.Global).value]);
    expect(exported.length).toBeGreaterThan(40);
    expect(Object.fromEntries(exported)).toEqual({ ...mirror });
  });

  it("memory is fixed: initial equals maximum, so JS views never detach", () => {
    const instance = new WebAssembly.Instance(coreModule(), { env: { abort() {} } });
    const memory = instance.exports.memory as WebAssembly.Memory;
    const before = memory.buffer.byteLength;
    expect(() => memory.grow(1)).toThrow();
    expect(memory.buffer.byteLength).toBe(before);
  });
});
