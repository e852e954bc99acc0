// Small helpers for code that calls a system library through koffi (decoders, create): native buffers with a
// JS view, and calls that run on the thread pool.
import koffi from "koffi";
import { CpioxError } from "../errors.js";

export interface NativeBuffer {
  ptr: unknown;
  view: Uint8Array;
  address: bigint;
}

export function nativeBuffer(size: number): NativeBuffer {
  const ptr = koffi.alloc("uint8_t", size);
  const view = new Uint8Array(koffi.view(ptr, size));
  return { ptr, view, address: koffi.address(ptr) };
}

export function freeNative(...buffers: NativeBuffer[]): void {
  for (const b of buffers) koffi.free(b.ptr);
}

export interface AsyncFn<R> {
  async(...args: unknown[]): void;
  (...args: unknown[]): R;
}

/** Runs a native call on the thread pool, so JavaScript keeps working meanwhile. */
export function onThreadPool<R>(fn: AsyncFn<R>, ...args: unknown[]): Promise<R> {
  return new Promise<R>((resolve, reject) => fn.async(...args, (err: unknown, r: R) => (err ? reject(err) : resolve(r))));
}

/**
 * Loads a system library once, when a member first needs it; a missing one is the error
 * CPIOX_DECODER_UNAVAILABLE naming the library and the package that ships it.
 */
export function systemLibrary<T>(soname: string, pkg: string, bind: (lib: ReturnType<typeof koffi.load>) => T) {
  let bound: T | undefined;
  // `where`: the member that needed it, when a member did (create has none to name).
  return (where: { offset: number; member: number } | Record<string, never> = {}): T => {
    if (!bound) {
      try {
        bound = bind(koffi.load(soname));
      } catch (e) {
        throw new CpioxError("CPIOX_DECODER_UNAVAILABLE", `cannot load ${soname} (${(e as Error).message}); install ${pkg}`, where);
      }
    }
    return bound;
  };
}
