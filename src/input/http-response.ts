// One HTTP response through undici's dispatch API, with the body as an async iterable of the
// socket's own buffers. Skips the Readable stream of request(): data that piles up while the
// consumer works is handed over in one piece, and the socket is paused only past HIGH_WATER.
import type { Dispatcher } from "undici";

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
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };

  async function* body(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (queue.length) {
          // Everything that arrived meanwhile, as one chunk: fewer, larger pieces downstream.
          const piece = queue.length === 1 ? queue[0] : Buffer.concat(queue, queued);
          queue.length = 0;
          queued = 0;
          if (controller?.paused) controller.resume();
          yield piece;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((r) => { wake = r; });
      }
    } finally {
      if (!ended && !failure) controller?.abort(new Error("the consumer stopped reading"));
    }
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
        queued += chunk.length;
        if (queued >= HIGH_WATER) c.pause();
        signal();
      },
      onResponseEnd() {
        ended = true;
        signal();
      },
      onResponseError(_c, err) {
        if (!started) reject(err);
        failure = err;
        signal();
      },
    };
    dispatcher.dispatch({ origin, path: pathname + search, method: "GET", headers, headersTimeout: timeout, bodyTimeout: timeout }, handler);
  });
}
