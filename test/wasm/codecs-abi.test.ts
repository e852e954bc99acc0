import { describe, expect, it } from "vitest";
import * as mirror from "../../src/members/decoders/codecs-abi.js";
import { wasmImports, wasmModule } from "../../src/core/wasm.js";

describe("TS <-> WASM ABI of the codecs module", () => {
  it("the TypeScript mirror equals every constant build/codecs.wasm exports", () => {
    const instance = new WebAssembly.Instance(wasmModule("codecs"), wasmImports);
    const exported = Object.entries(instance.exports)
      .filter(([, v]) => v instanceof WebAssembly.Global)
      .map(([k, v]) => [k, (v as WebAssembly.Global).value]);
    expect(Object.fromEntries(exported)).toEqual({ ...mirror });
  });

  it("exports every function the decoders call", () => {
    const instance = new WebAssembly.Instance(wasmModule("codecs"), wasmImports);
    for (const f of ["codecInAddress", "codecOutAddress", "lz4Block", "lzo1xBlock", "bzReset", "bzBlock", "bzOutput", "bzBitPosition", "bzCombinedCrc", "bzSetCombinedCrc"]) {
      expect(typeof instance.exports[f], f).toBe("function");
    }
  });
});
