// `cpiox serve`: the upload gate as an HTTP API (node:http). POST /v1/verify streams the request
// body into the same one-pass verify (never staged, never held whole); POST /v1/jobs queues a URL
// for a worker; GET /v1/jobs/ID, /v1/health and /metrics. A bearer token guards every route but
// health; bodies, header time, idle uploads and concurrent streams are bounded.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CpioxError } from "../errors.js";
import { verify } from "../verify/index.js";
import { readPolicy, type Policy } from "../verify/policy.js";
import { loadImaKeys } from "../verify/keys.js";
import { EmbeddedJobs, RedisJobs, Unavailable, type JobBackend } from "./backends.js";
import { checkJobUrl, type VerifyJobData } from "./job.js";
import { Metrics } from "./metrics.js";

/** Headers must arrive within this long (slow-loris guard). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An upload that sends nothing for this long is cut off. */
export const DEFAULT_IDLE_MS = 30_000;
/** A JSON request body (POST /v1/jobs) is at most this large. */
export const JSON_BODY_MAX = 64 << 10;
/** Default --max-size for an uploaded image. */
export const DEFAULT_UPLOAD_MAX = 16 * 2 ** 30;
/** Connections open at once at most (each upload, job request or scrape is one). */
export const CONNECTIONS_MAX = 256;
/** Finished jobs' results are kept this long by default. */
export const DEFAULT_KEEP_SECONDS = 24 * 3600;

export interface ServeOptions {
  /** HOST:PORT (default 127.0.0.1:8080; port 0 picks a free one). */
  listen?: string;
  /** redis:// URL: jobs go to a BullMQ queue for `cpiox worker`s; without it they run in-process. */
  redis?: string;
  /** Policies a request may name with ?policy=: "default", "strict", FILE or NAME=FILE; the first is the default. */
  policies?: string[];
  /** Certificate or key files for IMA signatures. */
  imaCerts?: string[];
  /** The largest image accepted (bytes; default 16 GiB). */
  maxSize?: number;
  /** Uploads verified at once, and in-process jobs run at once (default 2). */
  concurrency?: number;
  /** A file holding the bearer token (required: the service is never open). */
  tokenFile: string;
  /** An upload idle this long is cut off (default DEFAULT_IDLE_MS). */
  idleMs?: number;
  /** Finished jobs are kept this long (default one day). */
  keepSeconds?: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  backend: JobBackend;
  /** Stops taking requests and jobs, finishes the uploads and in-process jobs under way, and closes. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** "default", "strict", FILE or NAME=FILE -> [name, policy]. */
function namedPolicy(spec: string): [string, Policy] {
  const eq = spec.indexOf("=");
  if (eq > 0) return [spec.slice(0, eq), readPolicy(spec.slice(eq + 1))];
  if (spec === "default" || spec === "strict") return [spec, readPolicy(spec)];
  return [basename(spec).replace(/\.json$/, ""), readPolicy(spec)];
}

function readToken(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new CpioxError("CPIOX_INPUT", `cannot read the token file ${file}: ${(e as Error).message}`);
  }
  if (text.length < 16) throw new CpioxError("CPIOX_BAD_ARGUMENT", `the token in ${file} must be at least 16 characters`);
  return Buffer.from(text);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === "string" ? body : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; version=0.0.4" : "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

const sendError = (res: ServerResponse, e: HttpError, headers: Record<string, string> = {}) =>
  send(res, e.status, { error: { code: e.code, message: e.message } }, headers);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > JSON_BODY_MAX) throw new HttpError(413, "CPIOX_TOO_LARGE", `a JSON body is at most ${JSON_BODY_MAX} bytes (JSON_BODY_MAX)`);
    parts.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8"));
  } catch {
    throw new HttpError(400, "CPIOX_BAD_ARGUMENT", "the body is not JSON");
  }
}

export async function createServer(options: ServeOptions): Promise<RunningServer> {
  const token = readToken(options.tokenFile);
  const policies = new Map<string, Policy>((options.policies?.length ? options.policies : ["default"]).map(namedPolicy));
  const defaultPolicy = [...policies.keys()][0];
  for (const builtin of ["default", "strict"]) if (!policies.has(builtin)) policies.set(builtin, readPolicy(builtin));
  const certFiles = options.imaCerts ?? [];
  for (const f of certFiles) loadImaKeys(f); // a bad certificate stops the start, not a job
  const certBytes = certFiles.map((f) => ({ name: basename(f), bytes: readFileSync(f) }));
  // Jobs carry the certificates as text (they travel as JSON through Redis).
  const imaCerts = certBytes.map((c) => ({ name: c.name, base64: c.bytes.toString("base64") }));
  const maxSize = options.maxSize ?? DEFAULT_UPLOAD_MAX;
  const concurrency = options.concurrency ?? 2;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const keepSeconds = options.keepSeconds ?? DEFAULT_KEEP_SECONDS;
  const backend: JobBackend = options.redis ? await RedisJobs.connect(options.redis, keepSeconds) : new EmbeddedJobs(concurrency, keepSeconds * 1000);
  const metrics = new Metrics();
  backend.onFinished((r) => metrics.verification("job", r.report.result, r.report.image.size, r.seconds));
  let uploads = 0;
  let closing = false;

  const pickPolicy = (name: string | null): [string, Policy] => {
    const n = name ?? defaultPolicy;
    const p = policies.get(n);
    if (!p) throw new HttpError(400, "CPIOX_BAD_ARGUMENT", `no policy named ${JSON.stringify(n)} (configured: ${[...policies.keys()].join(", ")})`);
    return [n, p];
  };

  const authorized = (req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const given = Buffer.from(m?.[1] ?? "");
    return given.length === token.length && timingSafeEqual(given, token);
  };

  async function verifyUpload(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const [, policy] = pickPolicy(query.get("policy"));
    const sha256 = query.get("sha256") ?? undefined;
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) throw new HttpError(400, "CPIOX_BAD_ARGUMENT", "?sha256= takes 64 hex digits");
    const declared = req.headers["content-length"] === undefined ? null : Number(req.headers["content-length"]);
    if (declared !== null && declared > maxSize) throw new HttpError(413, "CPIOX_TOO_LARGE", `the image is ${declared} bytes; this service takes at most ${maxSize} (--max-size)`);
    if (uploads >= concurrency) throw new HttpError(503, "CPIOX_BUSY", `${concurrency} uploads are being verified (--concurrency); try again`);
    uploads++;
    const started = process.hrtime.bigint();
    let cut: "client-gone" | "stalled" | "too-large" | null = null;
    let received = 0;
    // An idle upload is cut off; a client that goes away ends the read with no report.
    req.setTimeout(idleMs, () => {
      cut ??= "stalled";
      req.destroy();
    });
    const body = async function* () {
      try {
        // Not destroyed when verify stops early (a malformed image): the report still goes out.
        for await (const chunk of req.iterator({ destroyOnReturn: false })) {
          received += (chunk as Buffer).length;
          if (received > maxSize) {
            cut = "too-large";
            throw new CpioxError("CPIOX_TOO_LARGE", `more than ${maxSize} bytes (--max-size)`);
          }
          yield chunk as Buffer;
        }
      } catch (e) {
        cut ??= "client-gone";
        throw e instanceof CpioxError ? e : new CpioxError("CPIOX_INPUT", "the upload ended early");
      }
      if (!req.complete) {
        cut ??= "client-gone";
        throw new CpioxError("CPIOX_INPUT", "the upload ended early");
      }
    };
    try {
      const { report } = await verify(body(), { policy, sha256, imaCerts: certBytes });
      if (cut) {
        metrics.uploadCutOff(cut);
        if (cut === "too-large") sendError(res, new HttpError(413, "CPIOX_TOO_LARGE", `more than ${maxSize} bytes (--max-size)`), { connection: "close" });
        else res.destroy();
        return;
      }
      metrics.verification("upload", report.result, report.image.size, Number(process.hrtime.bigint() - started) / 1e9);
      // A report may come before the whole body was read (a limit ended the read): close then.
      send(res, report.result === "pass" ? 200 : report.result === "fail" ? 422 : 400, report, req.complete ? {} : { connection: "close" });
    } finally {
      uploads--;
    }
  }

  async function addJob(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const doc = await readJson(req);
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new HttpError(400, "CPIOX_BAD_ARGUMENT", "the body is a JSON object");
    const d = doc as Record<string, unknown>;
    for (const k of Object.keys(d)) if (!["url", "sha256", "policy"].includes(k)) throw new HttpError(400, "CPIOX_BAD_ARGUMENT", `unknown field ${JSON.stringify(k)}`);
    let url: string;
    try {
      url = checkJobUrl(d.url);
    } catch (e) {
      throw new HttpError(400, "CPIOX_BAD_ARGUMENT", (e as Error).message);
    }
    if (d.sha256 !== undefined && (typeof d.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(d.sha256))) throw new HttpError(400, "CPIOX_BAD_ARGUMENT", "\"sha256\" takes 64 hex digits");
    if (d.policy !== undefined && typeof d.policy !== "string") throw new HttpError(400, "CPIOX_BAD_ARGUMENT", "\"policy\" is a configured policy's name");
    const [policyName, policy] = pickPolicy((d.policy as string | undefined) ?? null);
    const data: VerifyJobData = { url, sha256: d.sha256 as string | undefined, policyName, policy, imaCerts };
    const id = await backend.add(data);
    send(res, 202, { id, state: "waiting", location: `/v1/jobs/${id}` }, { location: `/v1/jobs/${id}` });
  }

  async function jobStatus(res: ServerResponse, id: string): Promise<void> {
    const status = await backend.get(id);
    if (!status) throw new HttpError(404, "CPIOX_NOT_FOUND", `no job ${id} (finished jobs are kept ${keepSeconds} s)`);
    send(res, 200, { id: status.id, state: status.state, attempts: status.attempts, report: status.result?.report, failedReason: status.failedReason });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://service");
    const path = url.pathname;
    if (path === "/v1/health" && req.method === "GET") {
      const ok = backend.healthy() && !closing;
      send(res, ok ? 200 : 503, { status: ok ? "ok" : "unavailable", jobs: backend.kind, uploads, closing });
      return;
    }
    if (!authorized(req)) {
      throw new HttpError(401, "CPIOX_UNAUTHORIZED", "a bearer token is required (Authorization: Bearer ...)");
    }
    if (closing) throw new HttpError(503, "CPIOX_BUSY", "the service is shutting down");
    if (path === "/v1/verify" && req.method === "POST") return verifyUpload(req, res, url.searchParams);
    if (path === "/v1/jobs" && req.method === "POST") return addJob(req, res);
    const job = /^\/v1\/jobs\/([A-Za-z0-9_-]{1,64})$/.exec(path);
    if (job && req.method === "GET") return jobStatus(res, job[1]);
    if (path === "/metrics" && req.method === "GET") {
      let counts: Record<string, number> | null = null;
      try {
        counts = await backend.counts();
      } catch {
        counts = null; // Redis away: the process's own counters still answer
      }
      send(res, 200, metrics.text(counts));
      return;
    }
    throw new HttpError(404, "CPIOX_NOT_FOUND", `no route ${req.method} ${path}`);
  }

  const server = createHttpServer((req, res) => {
    // Every request body must keep coming (an upload's own timeout also counts it as stalled).
    req.setTimeout(idleMs, () => req.destroy());
    route(req, res).catch((e: unknown) => {
      const err = e instanceof HttpError ? e
        : e instanceof Unavailable ? new HttpError(503, "CPIOX_UNAVAILABLE", e.message)
        : e instanceof CpioxError ? new HttpError(400, e.code, e.message)
        : new HttpError(500, "CPIOX_INTERNAL", String((e as Error)?.message ?? e));
      const headers: Record<string, string> = {};
      if (err.status === 401) headers["www-authenticate"] = "Bearer";
      if (err.status === 503) headers["retry-after"] = "1";
      // The rest of a refused upload is not read: the connection closes after the answer.
      if (!req.complete) headers.connection = "close";
      sendError(res, err, headers);
    });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.maxConnections = CONNECTIONS_MAX;
  // Uploads may take as long as they keep sending (the idle timeout cuts stalls); no total limit.
  server.requestTimeout = 0;
  const [host, port] = parseListen(options.listen ?? "127.0.0.1:8080");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    server,
    backend,
    async close() {
      closing = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await backend.close();
      await closed;
    },
  };
}

export function parseListen(text: string): [string, number] {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) throw new CpioxError("CPIOX_BAD_ARGUMENT", `--listen takes HOST:PORT, not ${JSON.stringify(text)}`);
  return [m[1] ?? m[2], Number(m[3])];
}
