// The system's liblzma (liblzma.so.5): the stream decoders (single- and multi-threaded), the
// .lzma ("alone") decoder, their encoders for `cpiox create`, and the layouts of struct
// lzma_stream and lzma_mt on 64-bit Linux.
import { systemLibrary, type AsyncFn } from "./library.js";

export const liblzma = systemLibrary("liblzma.so.5", "liblzma5", (lib) => ({
  streamDecoder: lib.func("int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)") as AsyncFn<number>,
  aloneDecoder: lib.func("int lzma_alone_decoder(void *strm, uint64_t memlimit)") as AsyncFn<number>,
  code: lib.func("int lzma_code(void *strm, int action)") as AsyncFn<number>,
  end: lib.func("void lzma_end(void *strm)") as AsyncFn<void>,
  streamEncoderMt: lib.func("int lzma_stream_encoder_mt(void *strm, const void *options)") as AsyncFn<number>,
  aloneEncoder: lib.func("int lzma_alone_encoder(void *strm, const void *options)") as AsyncFn<number>,
  /** Fills an lzma_options_lzma for a preset; true (non-zero) when the preset is not supported. */
  lzmaPreset: lib.func("uint8_t lzma_lzma_preset(void *options, uint32_t preset)") as AsyncFn<number>,
  /** liblzma >= 5.4 only (Debian 12 has 5.4.1); undefined before. */
  streamDecoderMt: optional(() => lib.func("int lzma_stream_decoder_mt(void *strm, void *options)") as AsyncFn<number>),
}));

function optional<T>(bind: () => T): T | undefined {
  try {
    return bind();
  } catch {
    return undefined; // an older liblzma: its single-threaded decoder still reads every stream
  }
}

/** sizeof(lzma_stream) and the offsets of the fields cpiox sets and reads. */
export const LZMA_STREAM = { bytes: 136, nextIn: 0, availIn: 8, nextOut: 24, availOut: 32 } as const;

/** sizeof(lzma_mt) and the offsets of the fields cpiox sets (the rest stay zero). */
export const LZMA_MT = { bytes: 128, threads: 4, blockSize: 8, preset: 20, check: 32, memlimitThreading: 64, memlimitStop: 72 } as const;

/** sizeof(lzma_options_lzma) rounded up: lzma_lzma_preset fills it, the alone encoder reads it. */
export const LZMA_OPTIONS_LZMA_BYTES = 256;

/** lzma_check values: the kernel's xz decoder verifies crc32 (and accepts none), nothing else. */
export const LZMA_CHECK_CRC32 = 1;
