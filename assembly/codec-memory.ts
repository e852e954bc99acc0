// The codecs module's shared regions: compressed input and decoded output (with LZ history).
export const CODEC_IN_SIZE: i32 = 8912896;          // > LZ4 compress bound of an 8 MiB block, + slack for 16-byte reads
export const HISTORY: i32 = 65536;                  // LZ4/LZO back-references reach at most 64 KiB
export const CODEC_OUT_SIZE: i32 = 65536 + 8388608; // history + the largest block (8 MiB)

export const CODEC_IN: usize = memory.data(CODEC_IN_SIZE, 16);
export const CODEC_OUT: usize = memory.data(CODEC_OUT_SIZE, 16);

export const E_CODEC_INPUT: i32 = -1;    // read past the end of the block
export const E_CODEC_OUTPUT: i32 = -2;   // would write past the output capacity
export const E_CODEC_OFFSET: i32 = -3;   // a match reaches before the start of the history
export const E_CODEC_TRAILING: i32 = -4; // input left after the end of an LZO block
