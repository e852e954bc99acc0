// One HTTP response through undici's dispatch API, with the body as an async iterable of the
// socket's own buffers. Skips the Readable stream of request(): data that piles up while the
// consumer works is handed over in one piece, and the socket is paused only past HIGH_WATER.
import type { Dispatcher } from "undici";
import { ConsumerStopped, PullQueue } from "./pull-queue.js";

/** Bytes queued before the socket is paused; reading resumes once the consumer takes them. */
export const HIGH_WATER = 8 << 20;

export interface StreamedResponse {
  status: number;
  header(name: string): string | null;
  body: AsyncIterable<Buffer>;
  /** Drops the rest of the body and the connection. */
  abort(): void;
}

export function openResponse(
  dispatcher: Dispatcher, url: string, headers: Record<string, string>, timeout: number,
): Promise<StreamedResponse> {
  const { origin, pathname, search } = new URL(url);
  let controller: Dispatcher.DispatchController | null = null;
  const queue = new PullQueue<Buffer>({
    highWater: HIGH_WATER,
    weigh: (chunk) => chunk.length,
    onStop: () => controller?.abort(new ConsumerStopped()),
  });

  async function* body(): AsyncGenerator<Buffer> {
    // Everything that arrived meanwhile, as one chunk: fewer, larger pieces downstream.
    for await (const batch of queue.batches()) yield batch.length === 1 ? batch[0] : Buffer.concat(batch);
  }

  return new Promise((resolve, reject) => {
    let started = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
      },
      onResponseStart(_c, status, responseHeaders) {
        started = true;
        const header = (name: string) => {
          const v = responseHeaders[name];
          return Array.isArray(v) ? v[0] ?? null : v ?? null;
        };
        resolve({ status, header, body: body(), abort: () => controller?.abort(new Error("aborted")) });
      },
      onResponseData(c, chunk) {
        queue.push(chunk);
        const room = queue.waitForRoom();
        if (room && !c.paused) {
          c.pause();
          room.then(() => c.resume(), () => undefined); // stopped: onStop aborts the request
        }
      },
      onResponseEnd() {
        queue.end();
      },
      onResponseError(_c, err) {
        if (!started) reject(err);
        queue.fail(err);
      },
    };
    dispatcher.dispatch({ origin, path: pathname + search, method: "GET", headers, headersTimeout: timeout, bodyTimeout: timeout }, handler);
  });
}
