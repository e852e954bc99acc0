// The TypeScript mirror of build/codecs.wasm's constants (assembly/codec-memory.ts and
// assembly/bzip2.ts); test/wasm/codecs-abi.test.ts checks it equals what the module exports.
export const CODEC_IN_SIZE = 8912896;
export const CODEC_OUT_SIZE = 65536 + 8388608;
export const HISTORY = 65536;
export const E_CODEC_INPUT = -1;
export const E_CODEC_OUTPUT = -2;
export const E_CODEC_OFFSET = -3;
export const E_CODEC_TRAILING = -4;
export const E_BZ_MAGIC = -10;
export const E_BZ_RANDOMISED = -11;
export const E_BZ_DATA = -12;
export const E_BZ_BLOCK_CRC = -13;
export const E_BZ_STREAM_CRC = -14;
export const BZ_BLOCK_READY = 1;
export const BZ_STREAM_END = 2;
export const BZ_MAX_BLOCK = 900000;
