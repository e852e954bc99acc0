// The block decoders of build/codecs.wasm (LZ4, LZO1X, bzip2), with views of their fixed
// regions. The module's constants are mirrored in codecs-abi.ts (checked by a test).
import { wasmImports, wasmModule } from "../../core/wasm.js";
import * as ABI from "./codecs-abi.js";
import { Pool } from "./reuse.js";

/** Every function the module exports, typed once. */
export interface CodecExports {
  memory: WebAssembly.Memory;
  codecInAddress(): number;
  codecOutAddress(): number;
  lz4Block(srcLen: number, outStart: number, outCap: number): number;
  lzo1xBlock(srcLen: number, outCap: number): number;
  bzReset(): void;
  bzBlock(inLen: number, bitOffset: number, maxBlock: number): number;
  bzOutput(cap: number): number;
  bzBitPosition(): number;
  bzCombinedCrc(): number;
  bzSetCombinedCrc(crc: number): void;
}

export interface Codecs {
  exports: CodecExports;
  /** Compressed block goes here. */
  input: Uint8Array;
  /** Decoded bytes come out here (the first HISTORY bytes hold the previous block's tail). */
  output: Uint8Array;
  history: number;
}

export const CODEC_ERRORS: Record<number, string> = {
  [ABI.E_CODEC_INPUT]: "block ends early (input overrun)",
  [ABI.E_CODEC_OUTPUT]: "block decodes to more than its declared size (output overrun)",
  [ABI.E_CODEC_OFFSET]: "a match refers to data before the start of the output",
  [ABI.E_CODEC_TRAILING]: "bytes left after the end-of-block marker",
};

/**
 * Instances kept for the next member: each has 21 MiB of fixed memory, which a new instance
 * maps and zeroes, so an image of many small members must not pay that per member.
 */
const POOL_MAX = 2;
const pool = new Pool<Codecs>(POOL_MAX);

/** A codecs instance for one member; give it back with releaseCodecs when the member is done. */
export function acquireCodecs(): Codecs {
  return pool.take(instantiateCodecs);
}

export function releaseCodecs(codecs: Codecs): void {
  pool.give(codecs);
}

function instantiateCodecs(): Codecs {
  const instance = new WebAssembly.Instance(wasmModule("codecs"), wasmImports);
  // The one cast: WebAssembly exports are untyped; CodecExports and the mirror say what they are.
  const ex = instance.exports as unknown as CodecExports;
  const buf = ex.memory.buffer;
  return {
    exports: ex,
    input: new Uint8Array(buf, ex.codecInAddress(), ABI.CODEC_IN_SIZE),
    output: new Uint8Array(buf, ex.codecOutAddress(), ABI.CODEC_OUT_SIZE),
    history: ABI.HISTORY,
  };
}
