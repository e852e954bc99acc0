// Loads the WebAssembly core (compiled once per process) and exposes typed views of its regions.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CTL_SLOTS, REC_SLOTS, IN_SIZE, XATTR_MAX_COUNT } from "./abi.js";

export interface CoreExports {
  memory: WebAssembly.Memory;
  begin(offset: number, mode: number): number;
  step(fed: number): number;
  bodyDone(sum: number): number;
  atRest(): number;
  position(): number;
  ctlAddress(): number;
  recAddress(): number;
  inAddress(): number;
  xattrTableAddress(): number;
  // METADATA!!! bodies, decoded from the input region (assembly/xattr/metadata.ts).
  metadataDecode(at: number, len: number): number;
  metadataErrorAt(): number;
  metadataUnknown(): number;
  metadataStoppedAtVersion(): number;
  // .xattr-list path entries, one per call (assembly/xattr/list.ts).
  xattrListDecode(at: number, avail: number): number;
  xattrListEntrySize(): number;
  xattrListPathAt(): number;
  xattrListPathLen(): number;
  xattrListErrorAt(): number;
  [constant: string]: unknown;
}

export interface Core {
  exports: CoreExports;
  ctl: Float64Array;
  rec: Float64Array;
  input: Uint8Array;
  /** (nameAt, nameLen, valueAt, valueLen) per decoded xattr, offsets into memory. */
  xattrTable: Uint32Array;
  memory: Uint8Array;
}

const compiled = new Map<string, WebAssembly.Module>();

/** A module of build/ (compiled once per process). */
export function wasmModule(name: "core" | "codecs"): WebAssembly.Module {
  let mod = compiled.get(name);
  if (!mod) {
    // From dist/src/core (built), src/core (tests run the sources) or dist/cpiox.js (the CLI bundle).
    const candidates = [`../../../build/${name}.wasm`, `../../build/${name}.wasm`, `../build/${name}.wasm`].map(
      (rel) => fileURLToPath(new URL(rel, import.meta.url)));
    const path = candidates.find((p) => existsSync(p));
    if (!path) throw new Error(`cpiox: build/${name}.wasm is missing; run \`npm run build\``);
    mod = new WebAssembly.Module(readFileSync(path));
    compiled.set(name, mod);
  }
  return mod;
}

export const coreModule = () => wasmModule("core");

export const wasmImports = {
  env: {
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new Error(`cpiox wasm aborted at ${line}:${col}`);
    },
  },
};

// Each parser gets its own instance: the core keeps one stream's state.
export function instantiateCore(): Core {
  const instance = new WebAssembly.Instance(coreModule(), wasmImports);
  // The one cast: WebAssembly exports are untyped; CoreExports and the ABI mirror say what they are.
  const exports = instance.exports as unknown as CoreExports;
  // Memory is fixed (initial = maximum), so these views never detach.
  const buf = exports.memory.buffer;
  return {
    exports,
    ctl: new Float64Array(buf, exports.ctlAddress(), CTL_SLOTS),
    rec: new Float64Array(buf, exports.recAddress(), REC_SLOTS),
    input: new Uint8Array(buf, exports.inAddress(), IN_SIZE),
    xattrTable: new Uint32Array(buf, exports.xattrTableAddress(), XATTR_MAX_COUNT * 4),
    memory: new Uint8Array(buf),
  };
}
