// cpiox serve's HTTP API with in-process jobs: reports equal to `cpiox verify`'s for the same
// bytes, every status (200, 422, 400, 401, 404, 413, 503), uploads streamed with and without a
// Content-Length, a client that drops or stalls mid-body, jobs fetched from a loopback URL, the
// metrics, and a multi-gigabyte body generated on the fly into a serve process whose peak memory
// is measured.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type RunningServer } from "../../src/serve/server.js";
import { archive } from "../helpers/newc.js";
import { auth, call, cliReport, finishedJob, GOOD, images, realImage, TOKEN, type Reply } from "../helpers/serve.js";
import { sh } from "../helpers/sh.js";
import { tempDir } from "../helpers/tmp.js";

const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");


describe("cpiox serve, jobs in-process", () => {
  let dir: string, svc: RunningServer, files: Server, filesUrl: string;
  beforeAll(async () => {
    dir = tempDir("cpiox-serve-");
    writeFileSync(join(dir, "token"), `${TOKEN}\n`);
    svc = await createServer({ listen: "127.0.0.1:0", tokenFile: join(dir, "token"), maxSize: 200_000, concurrency: 2, idleMs: 400, policies: ["default", "strict"] });
    files = createHttpServer((req, res) => {
      const name = (req.url ?? "").slice(1) as keyof typeof images;
      if (!images[name]) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": images[name].length }).end(images[name]);
    });
    await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await svc.close();
    files.close();
  });

  it("health needs no token; every other route answers 401 without the right one", async () => {
    expect((await call(svc.url, "GET", "/v1/health")).status).toBe(200);
    for (const [method, path] of [["POST", "/v1/verify"], ["POST", "/v1/jobs"], ["GET", "/v1/jobs/1"], ["GET", "/metrics"]]) {
      const body = method === "POST" ? "x" : undefined;
      const none = await call(svc.url, method, path, body);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers["www-authenticate"]).toBe("Bearer");
      expect((await call(svc.url, method, path, body, { authorization: "Bearer not-the-token-at-all!" })).status).toBe(401);
    }
    expect((await call(svc.url, "GET", "/v1/nothing", undefined, auth)).status).toBe(404);
  });

  it("POST /v1/verify: the report cpiox verify gives for the same bytes; 200 pass, 422 fail, 400 malformed", async () => {
    for (const [name, status] of [["good", 200], ["hostile", 422], ["malformed", 400]] as const) {
      const r = await call(svc.url, "POST", "/v1/verify", images[name], auth);
      expect(r.status, name).toBe(status);
      expect(JSON.parse(r.body), name).toEqual(cliReport(images[name]));
    }
    // An image GNU cpio and gzip made.
    const real = realImage();
    const fromReal = await call(svc.url, "POST", "/v1/verify", real, auth);
    expect(fromReal.status).toBe(200);
    expect(JSON.parse(fromReal.body)).toEqual(cliReport(real));
    // The same image twice: byte-identical reports.
    const [a, b] = [await call(svc.url, "POST", "/v1/verify", images.good, auth), await call(svc.url, "POST", "/v1/verify", images.good, auth)];
    expect(a.body).toBe(b.body);
    // ?policy= picks a configured policy; ?sha256= is checked on the bytes received.
    const strict = await call(svc.url, "POST", "/v1/verify?policy=strict", images.good, auth);
    expect(JSON.parse(strict.body)).toEqual(cliReport(images.good, "--policy", "strict"));
    expect((await call(svc.url, "POST", "/v1/verify?policy=/etc/passwd", images.good, auth)).status).toBe(400);
    const sha = createHash("sha256").update(images.good).digest("hex");
    expect((await call(svc.url, "POST", `/v1/verify?sha256=${sha}`, images.good, auth)).status).toBe(200);
    const wrong = await call(svc.url, "POST", `/v1/verify?sha256=${"0".repeat(64)}`, images.good, auth);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatch(/CPIOX_DIGEST_MISMATCH/);
  });

  it("413: by Content-Length before reading, and while streaming a body without one", async () => {
    // Answered from the headers: the client has sent none of the body yet.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(`${svc.url}/v1/verify`, { method: "POST", headers: { ...auth, "content-length": "300000" } }, (res) => {
        resolve(res.statusCode!);
        res.resume();
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    const streamed = await new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = request(`${svc.url}/v1/verify`, { method: "POST", headers: { ...auth, "transfer-encoding": "chunked" } }, (res) => {
        answered = true;
        let text = "";
        res.on("data", (d: Buffer) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      // The server closes the connection after its answer: what the client still sends is refused.
      req.on("error", (e) => (answered ? undefined : reject(e)));
      // A valid archive with one file far larger than --max-size, a chunk at a time.
      const large = archive([...GOOD, { name: "big", data: Buffer.alloc(400_000) }]);
      let sent = 0;
      const more = () => {
        if (answered || req.destroyed) return;
        if (sent < large.length) {
          const piece = large.subarray(sent, sent + 10_000);
          sent += piece.length;
          req.write(piece, () => setTimeout(more, 2));
        } else req.end();
      };
      more();
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatch(/CPIOX_TOO_LARGE/);
  });

  it("a client that drops mid-body gets no report and leaves nothing behind; a stalled one is cut off", async () => {
    const whole = archive(GOOD);
    const dropped = await new Promise<string>((resolve) => {
      const req = request(`${svc.url}/v1/verify`, { method: "POST", headers: { ...auth, "content-length": String(whole.length) } });
      req.on("response", () => resolve("answered"));
      req.on("error", () => resolve("no answer"));
      req.write(whole.subarray(0, 200), () => setTimeout(() => req.destroy(), 50));
    });
    expect(dropped).toBe("no answer");
    const stalled = await new Promise<string>((resolve) => {
      const req = request(`${svc.url}/v1/verify`, { method: "POST", headers: { ...auth, "content-length": String(whole.length) } });
      req.on("response", (res) => resolve(`answered ${res.statusCode}`));
      req.on("error", (e: NodeJS.ErrnoException) => resolve(`cut off (${e.code})`));
      req.write(whole.subarray(0, 200)); // and then nothing: the server's idle timeout (400 ms) ends it
    });
    expect(stalled).toMatch(/^cut off/);
    await new Promise((r) => setTimeout(r, 100));
    const health = JSON.parse((await call(svc.url, "GET", "/v1/health")).body) as { uploads: number };
    expect(health.uploads).toBe(0);
    const metrics = (await call(svc.url, "GET", "/metrics", undefined, auth)).body;
    expect(metrics, metrics).toMatch(/^cpiox_uploads_cut_off_total\{reason="client-gone"\} 1$/m);
    expect(metrics).toMatch(/^cpiox_uploads_cut_off_total\{reason="stalled"\} 1$/m);
  });

  it("a JSON body that stops coming is cut off too", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth, "content-length": "100" } });
      req.on("response", (res) => resolve(`answered ${res.statusCode}`));
      req.on("error", (e: NodeJS.ErrnoException) => resolve(`cut off (${e.code})`));
      req.write('{"url": "http://');
    });
    expect(outcome).toMatch(/^cut off/);
  });

  it("more uploads at once than --concurrency: 503 with Retry-After", async () => {
    const whole = archive(GOOD);
    const open = [0, 1].map(() => {
      const req = request(`${svc.url}/v1/verify`, { method: "POST", headers: { ...auth, "content-length": String(whole.length) } });
      req.on("error", () => undefined);
      req.write(whole.subarray(0, 100));
      return req;
    });
    await new Promise((r) => setTimeout(r, 100));
    const busy = await call(svc.url, "POST", "/v1/verify", images.good, auth);
    expect(busy.status).toBe(503);
    expect(busy.headers["retry-after"]).toBe("1");
    for (const req of open) req.destroy();
  });

  it("POST /v1/jobs: 202, then the job's report; a URL that fails is retried and then failed with the reason", async () => {
    const added = await call(svc.url, "POST", "/v1/jobs", JSON.stringify({ url: `${filesUrl}/hostile` }), auth);
    expect(added.status).toBe(202);
    const { id } = JSON.parse(added.body) as { id: string };
    const done = await finishedJob(svc.url, id);
    expect(done).toMatchObject({ state: "completed", attempts: 1 });
    expect(done.report).toEqual(cliReport(images.hostile));
    const missing = JSON.parse((await call(svc.url, "POST", "/v1/jobs", JSON.stringify({ url: `${filesUrl}/nothing-here` }), auth)).body) as { id: string };
    const failed = await finishedJob(svc.url, missing.id);
    expect(failed).toMatchObject({ state: "failed", attempts: 3 });
    expect(failed.failedReason).toMatch(/CPIOX_HTTP: HTTP 404/);
    for (const bad of [{ url: "file:///etc/passwd" }, { url: "/etc/passwd" }, { url: `${filesUrl}/good`, extra: 1 }, { url: `${filesUrl}/good`, policy: "nope" }]) {
      expect((await call(svc.url, "POST", "/v1/jobs", JSON.stringify(bad), auth)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await call(svc.url, "POST", "/v1/jobs", "{not json", auth)).status).toBe(400);
    expect((await call(svc.url, "GET", "/v1/jobs/999999", undefined, auth)).status).toBe(404);
  }, 30_000);

  it("GET /metrics: Prometheus text with jobs by state, verifications by result, bytes and a duration histogram", async () => {
    const r = await call(svc.url, "GET", "/metrics", undefined, auth);
    expect(r.headers["content-type"]).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^# TYPE cpiox_jobs gauge$/m);
    expect(r.body).toMatch(/^cpiox_jobs\{state="completed"\} [1-9]\d*$/m);
    expect(r.body).toMatch(/^cpiox_verifications_total\{result="pass",via="upload"\} [1-9]\d*$/m);
    expect(r.body).toMatch(/^cpiox_verifications_total\{result="fail",via="job"\} 1$/m);
    expect(r.body).toMatch(/^cpiox_verified_bytes_total [1-9]\d*$/m);
    const buckets = [...r.body.matchAll(/^cpiox_verify_duration_seconds_bucket\{le="[^"]+"\} (\d+)$/gm)].map((m) => Number(m[1]));
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b)); // cumulative
  });
});

describe("cpiox serve --ima-cert: certificates reach uploads and jobs", () => {
  it("an evmctl-signed file: the report equals cpiox verify --ima-cert's, valid by upload and by job", async () => {
    const dir = tempDir("cpiox-serve-ima-");
    writeFileSync(join(dir, "token"), TOKEN);
    sh("openssl genrsa -out key.pem 2048 2>/dev/null && openssl req -new -x509 -key key.pem -out cert.pem -days 3650 -subj /CN=ima 2>/dev/null " +
      "&& printf 'signed content\\n' > f && evmctl ima_sign --sigfile --key key.pem -a sha256 f >/dev/null", dir);
    const signature = readFileSync(join(dir, "f.sig"));
    const img = archive([...GOOD.map((e) => ({ ...e, magic: "070703" })),
      { name: "signed", magic: "070703", data: "signed content\n", xattrs: [["security.ima", signature]] as Array<[string, Buffer]> }]);
    const svc = await createServer({ listen: "127.0.0.1:0", tokenFile: join(dir, "token"), imaCerts: [join(dir, "cert.pem")] });
    const files = createHttpServer((_req, res) => res.end(img));
    await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
    try {
      const expected = cliReport(img, "--ima-cert", join(dir, "cert.pem")) as { ima: { summary: { valid: number } } };
      expect(expected.ima.summary.valid).toBe(1);
      const up = await call(svc.url, "POST", "/v1/verify", img, auth);
      expect(JSON.parse(up.body)).toEqual(expected);
      const { id } = JSON.parse((await call(svc.url, "POST", "/v1/jobs", JSON.stringify({ url: `http://127.0.0.1:${(files.address() as AddressInfo).port}/` }), auth)).body) as { id: string };
      const job = await finishedJob(svc.url, id);
      expect(job.report).toEqual(expected);
    } finally {
      await svc.close();
      files.close();
    }
  });
});

describe("a multi-gigabyte upload into a serve process", () => {
  it("is verified with flat memory: the body is generated on the fly, never on disk", async () => {
    const dir = tempDir("cpiox-serve-big-");
    writeFileSync(join(dir, "token"), TOKEN);
    const child = spawn(process.execPath, [cli, "serve", "--listen", "127.0.0.1:0", "--token-file", join(dir, "token")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          const m = /listening on (http:\/\/\S+),/.exec(d.toString());
          if (m) resolve(m[1]);
        });
        child.on("exit", () => reject(new Error("serve exited")));
      });
      const GIB = 3;
      const size = GIB * 2 ** 30;
      const head = archive([{ name: ".", mode: 0o40755 }, { name: "init", data: "#!/bin/sh\n", mode: 0o100755 }]);
      const trailerAt = head.indexOf(Buffer.from("TRAILER!!!")) - 110;
      const prefix = head.subarray(0, trailerAt);
      const one = archive([{ name: "big", filesize: size, data: "" }]);
      const bigHeader = one.subarray(0, one.indexOf("070701", 6)); // header, name and padding: the data follows
      const tail = Buffer.concat([Buffer.alloc((4 - (size % 4)) % 4), head.subarray(trailerAt)]);
      const zeros = Buffer.alloc(1 << 20);
      const reply = await new Promise<Reply>((resolve, reject) => {
        const req = request(`${url}/v1/verify`, { method: "POST", headers: { ...auth, "transfer-encoding": "chunked" } }, (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        });
        req.on("error", reject);
        req.write(Buffer.concat([prefix, bigHeader]));
        let left = size;
        const pump = () => {
          while (left > 0) {
            const n = Math.min(left, zeros.length);
            left -= n;
            if (!req.write(n === zeros.length ? zeros : zeros.subarray(0, n))) {
              req.once("drain", pump);
              return;
            }
          }
          req.end(tail);
        };
        pump();
      });
      const report = JSON.parse(reply.body) as { result: string; image: { size: number }; counts: { dataBytes: number } };
      expect(report.image.size).toBe(prefix.length + bigHeader.length + size + tail.length);
      expect(report.counts.dataBytes).toBeGreaterThanOrEqual(size);
      const status = readFileSync(`/proc/${child.pid}/status`, "latin1");
      const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
      console.log(`serve: ${GIB} GiB upload verified (${report.result}), peak RSS ${peakMiB.toFixed(0)} MiB`);
      expect(peakMiB).toBeLessThan(256);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.on("exit", r));
    }
  }, 180_000);
});
