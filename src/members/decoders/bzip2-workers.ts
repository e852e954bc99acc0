// Worker threads that each decode whole bzip2 blocks with their own instance of the codecs
// module, so a bzip2 member decodes on every core. Shared by all members of the process; a
// worker keeps the process alive only while it has work.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { wasmModule } from "../../core/wasm.js";
import { BZ_BLOCK_READY, CODEC_IN_SIZE } from "./codecs-abi.js";

/** Decoder threads besides the main thread, at most (the main thread decodes too). */
export const BZIP2_WORKERS_MAX = 3;
/**
 * A block whose output is larger than this (bzip2's run-length stage lets 900 kB expand to
 * about 45 MB) is not held by a worker: the main thread decodes it again, streaming. It must
 * fit the codecs module's output region.
 */
export const BZIP2_WORKER_OUTPUT_MAX = 8 << 20;

export type BlockResult =
  | { status: "ok"; endBit: number; crc: number; out: Uint8Array }
  /** The block is corrupt or does not end within the bytes given (a codecs error code). */
  | { status: "error"; code: number }
  | { status: "too-large" };

interface Job {
  resolve(r: BlockResult): void;
  reject(e: Error): void;
}

/**
 * The worker's whole program. It is sent as source text, so it must not refer to anything
 * outside itself.
 */
function blockWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require("node:worker_threads");
  const abort = () => { throw new Error("codecs module aborted"); };
  const ex = new WebAssembly.Instance(workerData.module, { env: { abort } }).exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
  const input = new Uint8Array(ex.memory.buffer, ex.codecInAddress(), workerData.inSize);
  const output = new Uint8Array(ex.memory.buffer, ex.codecOutAddress(), workerData.outputMax);
  parentPort.on("message", (job: { id: number; bytes: Uint8Array; bitOffset: number; maxBlock: number }) => {
    input.set(job.bytes);
    ex.bzReset();
    const r = ex.bzBlock(job.bytes.length, job.bitOffset, job.maxBlock);
    if (r !== workerData.ready) return parentPort.postMessage({ id: job.id, status: "error", code: r });
    // The whole block in one call when it fits the output region (one allocation per block).
    const n = ex.bzOutput(workerData.outputMax);
    if (n < 0) return parentPort.postMessage({ id: job.id, status: "error", code: n });
    const more = ex.bzOutput(workerData.outputMax); // 0 once the block is complete and its CRC checked
    if (more < 0) return parentPort.postMessage({ id: job.id, status: "error", code: more });
    if (more > 0) return parentPort.postMessage({ id: job.id, status: "too-large" });
    const out = output.slice(0, n);
    parentPort.postMessage({ id: job.id, status: "ok", endBit: ex.bzBitPosition(), crc: ex.bzCombinedCrc() >>> 0, out }, [out.buffer]);
  });
}

class BlockWorker {
  private readonly worker: Worker;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(`(${blockWorker.toString()})()`, {
      eval: true,
      workerData: { module: wasmModule("codecs"), inSize: CODEC_IN_SIZE, outputMax: BZIP2_WORKER_OUTPUT_MAX, ready: BZ_BLOCK_READY },
    });
    this.worker.unref();
    this.worker.on("message", (m: BlockResult & { id: number }) => {
      const job = this.jobs.get(m.id);
      this.jobs.delete(m.id);
      if (this.jobs.size === 0) this.worker.unref();
      if (m.status === "ok") decodedOnWorkers++;
      job?.resolve(m);
    });
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", () => this.fail(new Error("bzip2 block worker exited")));
  }

  get busy(): boolean { return this.jobs.size > 0; }

  /** Decodes the block starting at bit `bitOffset` of `bytes` (which it takes over). */
  decode(bytes: Uint8Array, bitOffset: number, maxBlock: number): Promise<BlockResult> {
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.worker.postMessage({ id, bytes, bitOffset, maxBlock }, [bytes.buffer as ArrayBuffer]);
    });
  }

  private fail(e: Error): void {
    this.dead = true;
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }
}

let workers: BlockWorker[] | null = null;
let decodedOnWorkers = 0;

/** Blocks the workers have decoded in this process (tests and benchmarks look at it). */
export const blocksDecodedOnWorkers = () => decodedOnWorkers;

/** Decoder threads for this machine: one per core besides the main thread, within the maximum. */
export const bzip2WorkerCount = () => Math.min(BZIP2_WORKERS_MAX, availableParallelism() - 1);

/** An idle worker (started on first need), or null when all are busy or there are none. */
export function idleBlockWorker(): BlockWorker | null {
  workers = (workers ?? []).filter((w) => !w.dead);
  while (workers.length < bzip2WorkerCount()) workers.push(new BlockWorker());
  return workers.find((w) => !w.busy) ?? null;
}
