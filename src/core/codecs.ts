// The block decoders of build/codecs.wasm (LZ4, LZO1X), with views of their fixed regions.
import { wasmImports, wasmModule } from "./wasm.js";

interface CodecExports {
  memory: WebAssembly.Memory;
  codecInAddress(): number;
  codecOutAddress(): number;
  lz4Block(srcLen: number, outStart: number, outCap: number): number;
  lzo1xBlock(srcLen: number, outCap: number): number;
  CODEC_IN_SIZE: WebAssembly.Global;
  CODEC_OUT_SIZE: WebAssembly.Global;
  HISTORY: WebAssembly.Global;
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
  [-1]: "block ends early (input overrun)",
  [-2]: "block decodes to more than its declared size (output overrun)",
  [-3]: "a match refers to data before the start of the output",
  [-4]: "bytes left after the end-of-block marker",
};

/**
 * Instances kept for the next member: each has 21 MiB of fixed memory, which a new instance
 * maps and zeroes, so an image of many small members must not pay that per member.
 */
const POOL_MAX = 2;
const pool: Codecs[] = [];

/** A codecs instance for one member; give it back with releaseCodecs when the member is done. */
export function acquireCodecs(): Codecs {
  return pool.pop() ?? instantiateCodecs();
}

export function releaseCodecs(codecs: Codecs): void {
  if (pool.length < POOL_MAX) pool.push(codecs);
}

function instantiateCodecs(): Codecs {
  const instance = new WebAssembly.Instance(wasmModule("codecs"), wasmImports);
  const ex = instance.exports as unknown as CodecExports;
  const buf = ex.memory.buffer;
  return {
    exports: ex,
    input: new Uint8Array(buf, ex.codecInAddress(), ex.CODEC_IN_SIZE.value as number),
    output: new Uint8Array(buf, ex.codecOutAddress(), ex.CODEC_OUT_SIZE.value as number),
    history: ex.HISTORY.value as number,
  };
}
