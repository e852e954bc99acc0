// HTTP(S) sources with undici: large streamed reads, resume after a drop with a Range request
// guarded by If-Range (a changed object is an error, never spliced), bounded retries with
// exponential backoff and jitter, timeouts, a redirect limit. 4xx is not retried; 5xx and
// network errors are, each retry reported as a warning.
import { Agent, interceptors } from "undici";
import { openResponse } from "./http-response.js";
import { CpioxError, type Warning } from "../errors.js";

export interface HttpOptions {
  /** Attempts after the first one (default 5). */
  retries?: number;
  /** First backoff in ms, doubled each retry, with jitter (default 500). */
  retryDelay?: number;
  /** Connect/headers and idle body timeout in ms (default 30 000). */
  timeout?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /**
   * Bytes per second a connection must deliver, judged over each `timeout` window (default
   * 1024; 0 = none): a slow drip counts as a stall, is retried, and does not reset the retries.
   */
  minRate?: number;
  /** Milliseconds for the whole read, retries included (default 0 = none). */
  deadline?: number;
}

export const DEFAULT_MIN_RATE = 1024;

class Retryable extends Error {}

/** The minimum-rate judge: each window of `timeout` ms must bring `minRate * timeout / 1000` bytes. */
class RateWindow {
  private readonly began = Date.now();
  private windowStart = this.began;
  private windowBytes = 0;
  private fresh = 0;
  private stalled = false;
  constructor(private readonly minRate: number, private readonly windowMs: number) {}
  /** Bytes received; judged against the rate whether or not they were new. */
  received(n: number): void {
    this.windowBytes += n;
    const elapsed = Date.now() - this.windowStart;
    if (elapsed < this.windowMs) return;
    if (this.minRate > 0 && this.windowBytes < (this.minRate * elapsed) / 1000) {
      this.stalled = true;
      throw new Retryable(`slower than ${this.minRate} bytes/s over ${elapsed} ms (${this.windowBytes} bytes)`);
    }
    this.windowStart = Date.now();
    this.windowBytes = 0;
  }
  /** Bytes past what earlier attempts handed out. */
  handedOut(n: number): void {
    this.fresh += n;
  }
  /** The attempt brought new data at the minimum rate or better: it counts as progress. */
  get progressed(): boolean {
    const seconds = Math.max(Date.now() - this.began, 1) / 1000;
    return !this.stalled && this.fresh > 0 && this.fresh >= this.minRate * seconds;
  }
}

export async function* httpChunks(url: string, opts: HttpOptions, warn: (w: Warning) => void): AsyncGenerator<Uint8Array> {
  const retries = opts.retries ?? 5, delay = opts.retryDelay ?? 500, timeout = opts.timeout ?? 30_000;
  const minRate = opts.minRate ?? DEFAULT_MIN_RATE, deadline = opts.deadline ?? 0;
  const started = Date.now();
  const pastDeadline = () => deadline > 0 && Date.now() - started > deadline;
  const dispatcher = new Agent({ connectTimeout: timeout }).compose(interceptors.redirect({ maxRedirections: opts.maxRedirects ?? 5 }));
  let offset = 0;          // bytes handed out so far
  let validator: string | null = null;
  let total: number | null = null;
  let attempt = 0;
  try {
    for (;;) {
      const rate = new RateWindow(minRate, timeout);
      try {
        const headers: Record<string, string> = {};
        if (offset > 0) {
          headers.range = `bytes=${offset}-`;
          if (validator) headers["if-range"] = validator;
        }
        const res = await openResponse(dispatcher, url, headers, timeout);
        const status = res.status;
        if (status >= 300) {
          res.abort();
          if (status >= 500) throw new Retryable(`HTTP ${status}`);
          throw new CpioxError("CPIOX_HTTP", `HTTP ${status} for ${url}${status >= 300 && status < 400 ? " (too many redirects)" : ""}`);
        }
        const header = res.header;
        const seen = header("etag") ?? header("last-modified");
        let skip = 0;
        if (offset === 0) {
          validator = seen;
          const length = header("content-length");
          total = length === null ? null : Number(length);
        } else if (status === 206) {
          const m = /^bytes (\d+)-/.exec(header("content-range") ?? "");
          if (!m || Number(m[1]) !== offset) {
            res.abort();
            throw new CpioxError("CPIOX_HTTP", `resumed at ${offset} but the server sent ${header("content-range") ?? "no Content-Range"}`);
          }
        } else {
          // 200 to a Range request: the object changed (If-Range failed) or Range is ignored.
          if (validator !== null && seen !== validator) {
            res.abort();
            throw new CpioxError("CPIOX_HTTP_CHANGED", `${url} changed while it was read (was ${validator}, now ${seen ?? "no validator"}): not splicing it onto what was read`);
          }
          skip = offset; // the whole object again: drop what was already handed out
        }
        for await (const chunk of res.body) {
          if (pastDeadline()) {
            res.abort();
            throw new CpioxError("CPIOX_HTTP", `${url}: --deadline of ${deadline} ms passed (${offset} bytes read)`);
          }
          rate.received(chunk.length);
          let c = chunk;
          if (skip > 0) {
            const n = Math.min(skip, c.length);
            skip -= n;
            c = c.subarray(n);
            if (!c.length) continue;
          }
          // Checked before the bytes are handed on: what lies past Content-Length is never parsed.
          if (total !== null && offset + c.length > total) {
            res.abort();
            throw new CpioxError("CPIOX_HTTP", `${url}: the body is longer than its Content-Length of ${total} bytes`, { offset: total });
          }
          offset += c.length;
          rate.handedOut(c.length);
          yield c;
        }
        if (total !== null && offset < total) throw new Retryable(`body ended at ${offset} of ${total} bytes`);
        return;
      } catch (e) {
        if (e instanceof CpioxError) throw e;
        if (rate.progressed) attempt = 0; // real progress: this drop gets the full number of retries
        if (pastDeadline()) throw new CpioxError("CPIOX_HTTP", `${url}: --deadline of ${deadline} ms passed (${offset} bytes read): ${(e as Error).message}`);
        if (++attempt > retries) {
          throw new CpioxError("CPIOX_HTTP", `${url}: ${(e as Error).message} (after ${retries} retries, ${offset} bytes read)`);
        }
        const wait = delay * 2 ** (attempt - 1) * (0.5 + Math.random());
        warn({ code: "CPIOX_HTTP_RETRY", message: `${(e as Error).message}; retry ${attempt} of ${retries} in ${Math.round(wait)} ms from byte ${offset}`, offset });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
