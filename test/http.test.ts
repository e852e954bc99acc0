// HTTP sources against a real server on loopback (no mocks): drops mid-body with resume, 503
// then success, a server that ignores Range, an object that changes, 404, redirects, digests.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { parsePolicy } from "../src/verify/policy.js";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, list } from "../src/index.js";
import { verify } from "../src/verify/index.js";
import { tempDir } from "./helpers/tmp.js";
import { archive } from "./helpers/newc.js";
import { codes, extractBytes } from "./helpers/run.js";
import { snapshot } from "./helpers/tree.js";

const img = Buffer.concat([
  archive(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(20000, i) }))),
  gzipSync(archive([{ name: "g", data: "gz" }])),
]);
type Plan = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;
const plans = new Map<string, Plan>();
const attempts = new Map<string, number>();
let base = "";
let server: ReturnType<typeof createServer>;

// Serves `body` honouring Range when `ranges`, with an ETag; optionally cuts after `cutAt` bytes.
function serve(res: ServerResponse, req: IncomingMessage, body: Buffer, o: { etag?: string; ranges?: boolean; cutAt?: number } = {}) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const ifRange = req.headers["if-range"];
  const useRange = o.ranges !== false && m && (!ifRange || ifRange === (o.etag ?? '"v1"'));
  const start = useRange ? Number(m![1]) : 0;
  const part = body.subarray(start);
  res.writeHead(useRange ? 206 : 200, {
    "content-length": part.length, etag: o.etag ?? '"v1"',
    ...(useRange ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  if (o.cutAt !== undefined && o.cutAt < part.length) {
    res.write(part.subarray(0, o.cutAt), () => res.socket?.destroy());
  } else res.end(part);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const key = req.url!;
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    const plan = plans.get(key.replace(/\?.*/, ""));
    if (!plan) {
      res.writeHead(404).end();
      return;
    }
    plan(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  plans.set("/ok", (req, res) => serve(res, req, img));
  plans.set("/drops", (req, res, n) => serve(res, req, img, { cutAt: n <= 3 ? 70000 + n * 1000 : undefined }));
  plans.set("/503", (req, res, n) => (n === 1 ? res.writeHead(503).end() : serve(res, req, img)));
  plans.set("/no-range", (req, res, n) => serve(res, req, img, { ranges: false, cutAt: n === 1 ? 100000 : undefined }));
  plans.set("/changes", (req, res, n) => serve(res, req, img, { etag: n === 1 ? '"v1"' : '"v2"', cutAt: n === 1 ? 50000 : undefined }));
  plans.set("/redirect", (_req, res) => res.writeHead(302, { location: "/ok" }).end());
  // Sends part of the body, then goes silent: the idle timeout must notice and resume.
  plans.set("/stalls", (req, res, n) => {
    if (n > 1) return serve(res, req, img);
    res.writeHead(200, { "content-length": img.length, etag: '"v1"' });
    res.write(img.subarray(0, 30000));
  });
  plans.set("/loop", (_req, res) => res.writeHead(302, { location: "/loop" }).end());
  plans.set("/short", (_req, res) => {
    // A Content-Length promise the body does not keep: the connection closes early every time.
    res.writeHead(200, { "content-length": img.length + 10, etag: '"v1"' });
    res.write(img, () => res.socket?.destroy());
  });
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fast = { http: { retryDelay: 5, retries: 4, timeout: 300 } };

describe("HTTP sources", () => {
  it("the same tree as from the bytes, also when the connection drops three times", async () => {
    const ref = await extractBytes(img);
    for (const path of ["/ok", "/drops", "/503", "/no-range", "/redirect", "/stalls"]) {
      const warnings: string[] = [];
      const dir = tempDir();
      await extract(`${base}${path}`, { cwd: dir, ...fast, onwarn: (w) => warnings.push(w.code), sha256: createHash("sha256").update(img).digest("hex") });
      expect(snapshot(dir), path).toEqual(snapshot(ref.dir));
      if (path === "/drops") expect(warnings).toEqual(["CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY"]);
      if (path === "/503" || path === "/stalls") expect(warnings).toEqual(["CPIOX_HTTP_RETRY"]);
    }
  });

  it.each([
    ["/missing", "CPIOX_HTTP"],
    ["/changes", "CPIOX_HTTP_CHANGED"],
    ["/loop", "CPIOX_HTTP"],
    ["/short", "CPIOX_HTTP"],
  ])("%s fails with %s", async (path, code) => {
    await expect(list(`${base}${path}`, fast)).rejects.toMatchObject({ code });
  });

  it("a wrong --sha256 over HTTP is a mismatch", async () => {
    await expect(list(`${base}/ok`, { ...fast, sha256: "0".repeat(64) })).rejects.toMatchObject({ code: "CPIOX_DIGEST_MISMATCH" });
  });

  it("retries are bounded", async () => {
    plans.set("/always-503", (_req, res) => res.writeHead(503).end());
    const warnings: { code: string }[] = [];
    await expect(list(`${base}/always-503`, { http: { retries: 2, retryDelay: 1 }, onwarn: (w) => warnings.push(w) }))
      .rejects.toMatchObject({ code: "CPIOX_HTTP" });
    expect(codes(warnings)).toEqual(["CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY"]);
  });

  it("verify over a dropping connection gives the report of the bytes, with retries passed on as warnings", async () => {
    const fromBytes = (await verify(img)).report;
    attempts.clear();
    const warnings: { code: string }[] = [];
    const overHttp = (await verify(`${base}/drops`, { ...fast, onwarn: (w) => warnings.push(w) })).report;
    expect(overHttp).toEqual(fromBytes);
    expect(codes(warnings)).toEqual(["CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY"]);
    const missing = (await verify(`${base}/nothing-here`, fast)).report;
    // Nothing was read: the input is unreadable, which says nothing about an image, and has no digest.
    expect(missing).toMatchObject({ result: "unreadable", error: { code: "CPIOX_HTTP" }, image: { size: 0, sha256: null } });
  });
});

describe("a hostile HTTP server on loopback", () => {
  // Raw sockets: each answer is exactly the bytes given, whatever HTTP would allow.
  let raw: Server;
  let rawBase = "";
  const answers = new Map<string, (socket: Socket) => void>();
  beforeAll(async () => {
    raw = createNetServer((socket) => {
      socket.once("data", (d) => {
        const path = /^GET (\S+)/.exec(d.toString("latin1"))?.[1] ?? "";
        const answer = answers.get(path);
        if (answer) answer(socket);
        else socket.destroy();
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    rawBase = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const good = archive([{ name: "init", mode: 0o100755, data: "#!/bin/sh\n" }]);
    const extra = archive([{ name: "smuggled", data: "past the body" }]);
    answers.set("/longer", (s) => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${good.length}\r\nconnection: close\r\n\r\n`), good, extra])));
    answers.set("/garbage", (s) => s.end("HTTP/1.1 2OO NOPE\r\nthis is not a header\r\n\r\n"));
    answers.set("/huge", (s) => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: 99999999999999\r\n\r\n`), good])));
    // One byte every 50 ms: never idle long enough for the timeout, far below the minimum rate.
    answers.set("/drip", (s) => {
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${good.length}\r\n\r\n`);
      let i = 0;
      const t = setInterval(() => {
        if (s.destroyed || i >= good.length) return clearInterval(t);
        s.write(good.subarray(i, ++i));
      }, 50);
      s.on("close", () => clearInterval(t));
    });
    // Valid entries without end: only a policy limit stops it.
    answers.set("/endless", (s) => {
      s.write("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
      let n = 0;
      const more = () => {
        while (!s.destroyed && s.write(archive(Array.from({ length: 100 }, () => ({ name: `f${n++}`, data: "x" })), false)));
        if (!s.destroyed) s.once("drain", more);
      };
      s.on("error", () => undefined);
      more();
    });
  });
  afterAll(() => new Promise<void>((r) => raw.close(() => r())));

  it("bytes sent past the Content-Length are not part of the body and are never parsed", async () => {
    const warnings: string[] = [];
    const entries = await list(`${rawBase}/longer`, { ...fast, onwarn: (w) => warnings.push(w.code) });
    expect(entries.map((e) => e.path)).toEqual(["init"]);
    expect(warnings).toEqual([]);
  });

  it("garbage status lines and headers, and a huge Content-Length cut short, end in CPIOX_HTTP", async () => {
    await expect(list(`${rawBase}/garbage`, fast)).rejects.toMatchObject({ code: "CPIOX_HTTP" });
    await expect(list(`${rawBase}/huge`, { http: { retryDelay: 5, retries: 2, timeout: 300 } })).rejects.toMatchObject({ code: "CPIOX_HTTP" });
  });

  it("a slow drip is a stall below --min-rate, retried a bounded number of times; --deadline bounds the whole read", async () => {
    const t0 = Date.now();
    const warnings: string[] = [];
    await expect(list(`${rawBase}/drip`, { http: { retryDelay: 5, retries: 2, timeout: 300, minRate: 1024 }, onwarn: (w) => warnings.push(w.code) }))
      .rejects.toMatchObject({ code: "CPIOX_HTTP", message: expect.stringContaining("bytes/s") });
    expect(warnings).toEqual(["CPIOX_HTTP_RETRY", "CPIOX_HTTP_RETRY"]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(list(`${rawBase}/drip`, { http: { retryDelay: 5, retries: 5, timeout: 30_000, minRate: 0, deadline: 400 } }))
      .rejects.toMatchObject({ code: "CPIOX_HTTP", message: expect.stringContaining("--deadline") });
  });

  it("verify of an endless stream of valid entries stops at the policy's entry limit", async () => {
    const policy = parsePolicy({ version: 1, limits: { entries: 5000 } }, "limit");
    const { report } = await verify(`${rawBase}/endless`, { ...fast, policy });
    expect(report.result).toBe("fail");
    expect(report.findings.map((f) => f.rule)).toEqual(["CPIOX_RULE_LIMIT_ENTRIES"]);
    expect(report.counts.entries).toBe(5001);
  });
});
