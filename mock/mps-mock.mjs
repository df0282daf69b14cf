// A local mock of the MPS AIGC API (video, image and audio tasks), for tests and the demo. It
// listens on 127.0.0.1 only.
//
// - Checks TC3-HMAC-SHA256 signatures with its own code (node:crypto, not the crate's signer),
//   the 5-minute clock window, the credential scope, STS tokens. It accepts the host signed with or
//   without the port (the official Node SDK signs the hostname, the Python SDK host:port), and the
//   service "mps" or the first label of its host (the Node SDK signs that: "127" here).
// - Runs tasks through WAIT -> RUN -> DONE or FAIL on a schedule the caller chooses.
// - Enforces each action's documented rate (video 10 creates/s and 50 describes/s, image and audio
//   20 each) in a sliding window with RequestLimitExceeded.
// - Records every request, and injects faults on demand (see `fault`).
// - Serves what DONE tasks made: a small playable video at /videos/<TaskId>.mp4, an image at
//   /images/<TaskId>.png, music at /audio/<TaskId>.wav.
//
//   const mock = await startMockMps({ credentials: [{ secretId, secretKey }] });
//   mock.url; mock.requests; mock.fault({ kind: "drop", action: "CreateAigcVideoTask" }); await mock.close();

import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";

export const EXAMPLE_CREDENTIALS = {
  secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
  secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
};
export const DEFAULT_LIMITS = {
  CreateAigcVideoTask: 10,
  DescribeAigcVideoTask: 50,
  CreateAigcImageTask: 20,
  DescribeAigcImageTask: 20,
  CreateAigcAudioTask: 20,
  DescribeAigcAudioTask: 20,
};
/** The task kinds: their actions, what stands in for a Prompt, and what a DONE task serves. */
export const KINDS = {
  video: {
    create: "CreateAigcVideoTask",
    describe: "DescribeAigcVideoTask",
    prefix: "4-AigcVideo-",
    inputs: ["ImageUrl", "LastImageUrl", "ImageInfos", "VideoInfos", "SubjectInfos"],
    asset: { path: "videos", ext: "mp4", type: "video/mp4", file: new URL("./assets/sample.mp4", import.meta.url) },
  },
  image: {
    create: "CreateAigcImageTask",
    describe: "DescribeAigcImageTask",
    prefix: "4-AigcImage-",
    inputs: ["ImageInfos"],
    asset: { path: "images", ext: "png", type: "image/png", file: new URL("./assets/sample.png", import.meta.url) },
  },
  audio: {
    create: "CreateAigcAudioTask",
    describe: "DescribeAigcAudioTask",
    prefix: "4-AigcAudio-",
    inputs: ["VideoInfos", "AudioInfos"],
    asset: { path: "audio", ext: "wav", type: "audio/wav", file: new URL("./assets/sample.wav", import.meta.url) },
  },
};
const BY_ACTION = new Map(Object.entries(KINDS).flatMap(([name, k]) => [[k.create, [name, "create"]], [k.describe, [name, "describe"]]]));
const VERSION = "2019-06-12";
const WINDOW_MS = 1000;
const SKEW_LIMIT_S = 300;
/** Faults that let the request be processed, then break the delivery of its answer. */
const AFTER_KINDS = new Set([
  "truncated-after-create",
  "garbled-after-create",
  "huge-after-create",
  "hang-after-create",
  "headers-then-hang",
]);

/**
 * Starts the mock.
 * @param {object} [options]
 * @param {{secretId: string, secretKey: string, token?: string}[]} [options.credentials] accepted keys
 * @param {{waitMs?: number, runMs?: number, outcome?: "DONE"|"FAIL", message?: string}} [options.task]
 *   the default schedule of new tasks (WAIT 200 ms, RUN 800 ms, DONE)
 * @param {Record<string, number>|false} [options.limits] requests per second per action
 * @param {number} [options.clockSkewMs] how far the server's clock is ahead of the real one
 * @param {number} [options.port] default: any free port
 * @param {string} [options.publicUrl] base of the VideoUrls (default: the mock's own URL)
 * @param {boolean} [options.distinctAssets] each task's file ends with its TaskId, so that copies
 *   of two tasks' outputs cannot be mistaken for each other (see `assetBytes`)
 */
export async function startMockMps(options = {}) {
  const mock = new MockMps(options);
  await new Promise((resolve, reject) => {
    mock.server.once("error", reject);
    mock.server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  mock.port = mock.server.address().port;
  mock.url = `http://127.0.0.1:${mock.port}`;
  return mock;
}

class MockMps {
  constructor(options) {
    this.credentials = new Map((options.credentials ?? [EXAMPLE_CREDENTIALS]).map((c) => [c.secretId, c]));
    this.taskDefaults = { waitMs: 200, runMs: 800, outcome: "DONE", message: "", ...options.task };
    this.limits = options.limits === false ? {} : { ...DEFAULT_LIMITS, ...options.limits };
    this.clockSkewMs = options.clockSkewMs ?? 0;
    this.distinctAssets = options.distinctAssets === true;
    /** Faults for downloads of what tasks made (see `assetFault`), and every download: { at, url, fault } */
    this.assetFaults = [];
    this.downloads = [];
    this.publicUrl = options.publicUrl;
    /** Every API request, in arrival order: { at, action, headers, body, json, response, fault, status, taskId?, sentBytes? } */
    this.requests = [];
    /** TaskId -> { id, createdAt, request, waitMs, runMs, outcome, message } */
    this.tasks = new Map();
    this.faults = [];
    this.nextTasks = [];
    this.sockets = new Set();
    this.server = createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        // A caller that goes away mid-request (a Worker stopped mid-poll, a client's timeout) ends
        // reading its body with "aborted": nothing to answer. Anything else is the mock's own bug.
        if (error?.code === "ECONNRESET" || req.destroyed) return void res.destroy();
        throw error;
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    /** The files DONE tasks serve, by URL folder ("videos", "images", "audio"). */
    this.assets = new Map(
      Object.values(KINDS).map(({ asset }) => [asset.path, { ...asset, bytes: existsSync(asset.file) ? readFileSync(asset.file) : null }]),
    );
  }

  /** The server's clock (real time plus the configured skew), in ms. */
  now() {
    return Date.now() + this.clockSkewMs;
  }

  /**
   * Queues a fault for the next `times` (default 1) requests matching `action` (default any):
   *   { kind: "http", status, body?, contentType? }   an HTTP error (default body: a small HTML page)
   *   { kind: "error", code, message? }               a Tencent error in a 200
   *   { kind: "drop" }                                read the request, then destroy the connection
   *   { kind: "drop-after-create" }                   create the task, then destroy the connection
   *   { kind: "hang" }                                read the request, never answer
   *   { kind: "malformed" }                           200 with a body that is not JSON
   *   { kind: "truncated" }                           200 with half a JSON body, then a reset
   *   { kind: "huge", bytes? }                        200 with a body of `bytes` (default 4 MiB)
   *   { kind: "slow", delayMs }                       answer normally after a delay
   *   { kind: "wrong-shape" }                         200 with JSON that is not the envelope
   *   { kind: "none" }                                no fault: answer normally (a placeholder in a mix)
   *
   * The kinds above, except slow, none and drop-after-create, act before the request is processed:
   * no task is made.
   * The kinds below let the request be processed as usual (signature, throttling, and a create makes
   * its task), then break the delivery of the real answer, whose first bytes name the TaskId:
   *   { kind: "truncated-after-create", bytes?, chunked? }
   *        status, headers (Content-Length of the whole answer, or chunked), the first `bytes` bytes
   *        of the answer (default: up to just past the TaskId's closing quote), then a reset
   *   { kind: "garbled-after-create", bytes? }
   *        200 whose body names the TaskId but is not JSON: the answer with garbage instead of its
   *        closing braces, or with `bytes`, just its first `bytes` bytes (a complete, cut-off body)
   *   { kind: "huge-after-create", bytes?, chunked? }
   *        200: the answer with a "Padding" field of `bytes` (default 2 MiB) inserted after its
   *        fields, so the TaskId comes first; Content-Length given unless `chunked`
   *   { kind: "hang-after-create" }                   processed, never answered
   *   { kind: "headers-then-hang", bytes?, chunked? } status and headers sent (Content-Length of
   *        the whole answer unless `chunked`), then the first `bytes` (default 0) bytes, then nothing
   *   { kind: "http-after-create", status, body?, contentType? }
   *        processed, then answered with an HTTP error instead (a gateway that gave up too soon)
   *   { kind: "content-type", contentType }           the real answer, with this Content-Type
   *                                                   (null: no Content-Type header at all)
   *   { kind: "date", date }                          the real answer, with this Date header
   *
   * Any fault that sends headers may also carry `date`: the answer's Date header, a Date or a string
   * sent as it is (e.g. "yesterday"), or null for no Date header at all; e.g.
   * { kind: "error", code: "AuthFailure.SignatureExpire", date: "garbage" }.
   * In `requests`, the record of the request that made a task has its `taskId`, and a record whose
   * answer was cut short has `sentBytes`, how much of `response` was sent.
   */
  fault(spec) {
    this.faults.push({ times: 1, ...spec });
  }

  /**
   * Queues a fault for the next `times` (default 1) downloads of a task's output:
   *   { kind: "http", status }        an HTTP error
   *   { kind: "truncated" }           the whole Content-Length announced, half the bytes, then a reset
   *   { kind: "chunked" }             the file, without a Content-Length (its length unknown)
   *   { kind: "slow", delayMs }       the file, after a delay
   */
  assetFault(spec) {
    this.assetFaults.push({ times: 1, ...spec });
  }

  /** The bytes the mock serves at an output URL (undefined: not one of its outputs). */
  assetBytes(url) {
    const path = new URL(url).pathname;
    const [, folder, file] = path.split("/");
    const asset = this.assets.get(folder);
    if (!asset?.bytes) return undefined;
    if (!this.distinctAssets) return asset.bytes;
    return Buffer.concat([asset.bytes, Buffer.from(`\n${file}\n`)]);
  }

  /** Sets the schedule of the next task created (then the defaults apply again). */
  nextTask(spec) {
    this.nextTasks.push(spec);
  }

  /** Creates a task directly, without a request (for load tests); `spec.kind` defaults to video. Returns its TaskId. */
  addTask(spec = {}) {
    const kind = spec.kind ?? "video";
    const id = `${KINDS[kind].prefix}${randomUUID().replaceAll("-", "")}`;
    this.tasks.set(id, { id, kind, createdAt: this.now(), request: {}, ...this.taskDefaults, ...spec });
    return id;
  }

  /** The requests of one action. */
  calls(action) {
    return this.requests.filter((r) => r.action === action);
  }

  /** The most requests of `action` that arrived within any sliding window of `windowMs`. */
  maxInWindow(action, windowMs = WINDOW_MS) {
    const times = this.calls(action).map((r) => r.at).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] >= windowMs) i++;
      most = Math.max(most, j - i + 1);
    }
    return most;
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #takeFault(action) {
    const i = this.faults.findIndex((f) => f.action === undefined || f.action === action);
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (--fault.times <= 0) this.faults.splice(i, 1);
    return fault;
  }

  async #handle(req, res) {
    const cors = {
      "Access-Control-Allow-Origin": "*",
      // The "*" wildcard does not cover Authorization (Fetch spec): echo what was asked for.
      "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] ?? "*",
      "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
      "Access-Control-Expose-Headers": "Date",
    };
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return;
    }
    if (req.method === "GET" && this.assets.has(req.url.split("/")[1])) {
      this.#serveAsset(req, res, cors);
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const action = req.headers["x-tc-action"];
    const record = { at: Date.now(), action, headers: req.headers, body: body.toString("utf8") };
    this.requests.push(record);
    const fault = this.#takeFault(action);
    record.fault = fault?.kind;

    const send = (status, payload, extra = {}) => {
      let text = typeof payload === "string" ? payload : JSON.stringify(payload);
      const headers = {
        "Content-Type": "application/json",
        Date: new Date(this.now()).toUTCString(),
        ...cors,
        ...extra,
      };
      if (fault?.kind === "http-after-create") {
        status = fault.status;
        text = fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`;
        headers["Content-Type"] = fault.contentType ?? "text/html";
      }
      if (fault?.kind === "content-type") headers["Content-Type"] = fault.contentType;
      if (fault && "date" in fault) {
        headers.Date = fault.date instanceof Date ? fault.date.toUTCString() : fault.date;
      }
      for (const name of ["Content-Type", "Date"]) if (headers[name] === null || headers[name] === undefined) delete headers[name];
      if (!("Date" in headers)) res.sendDate = false; // else Node adds one of its own
      record.status = status;
      record.response = text;
      if (AFTER_KINDS.has(fault?.kind)) return this.#deliverBroken(fault, req, res, status, headers, text, record);
      res.writeHead(status, headers);
      res.end(text);
    };
    const tencent = (fields) => send(200, { Response: { ...fields, RequestId: randomUUID() } });
    const error = (code, message) => tencent({ Error: { Code: code, Message: message } });

    switch (fault?.kind) {
      case "http":
        return send(fault.status, fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`, {
          "Content-Type": fault.contentType ?? "text/html",
        });
      case "error":
        return error(fault.code, fault.message ?? `injected ${fault.code}`);
      case "drop":
        record.status = "dropped";
        return req.socket.destroy();
      case "hang":
        record.status = "hung";
        return; // never answered; close() destroys the socket
      case "malformed":
        return send(200, "{Response: not json");
      case "wrong-shape":
        return send(200, { result: "ok" });
      case "truncated": {
        record.status = "truncated";
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "200" });
        res.write('{"Response":{"Status":"RU');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      case "huge": {
        record.status = "huge";
        const size = fault.bytes ?? 4 << 20;
        res.writeHead(200, { "Content-Type": "application/json" });
        const block = Buffer.alloc(64 << 10, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += block.length;
            if (!res.write(block)) return res.once("drain", pump);
          }
          res.end();
        };
        res.on("error", () => {});
        pump();
        return;
      }
      case "slow":
        await new Promise((r) => setTimeout(r, fault.delayMs));
        break;
    }

    const auth = this.#verify(req, body);
    record.signatureOk = auth === null;
    if (auth) return error(auth.code, auth.message);
    if (req.headers["x-tc-version"] !== VERSION) return error("NoSuchVersion", `version must be ${VERSION}`);

    const limit = this.limits[action];
    if (limit) {
      const since = record.at - WINDOW_MS;
      const recent = this.requests.filter((r) => r.action === action && r.at > since && r !== record);
      if (recent.length >= limit) {
        record.throttled = true;
        return error("RequestLimitExceeded", `more than ${limit} requests of ${action} per second`);
      }
    }

    let json;
    try {
      json = JSON.parse(record.body);
    } catch {
      return error("InvalidParameter", "the body is not JSON");
    }
    record.json = json;
    const [kind, op] = BY_ACTION.get(action) ?? [];
    if (op === "create") return this.#create(kind, json, tencent, error, fault, req, record);
    if (op === "describe") return this.#describe(kind, json, tencent, error);
    return error("InvalidAction", `action ${action} is not supported by the mock`);
  }

  #create(kind, json, tencent, error, fault, req, record) {
    const input = KINDS[kind].inputs.some((name) => (Array.isArray(json[name]) ? json[name].length : json[name]));
    if (!input && !json.Prompt) return error("MissingParameter", "Prompt is required when no input is given");
    if (json.AdditionalParameters !== undefined && typeof json.AdditionalParameters !== "string") {
      return error("InvalidParameterValue", "AdditionalParameters must be a string");
    }
    const id = `${KINDS[kind].prefix}${randomUUID().replaceAll("-", "")}`;
    const prompt = String(json.Prompt ?? "");
    const spec = { ...this.taskDefaults, ...(this.nextTasks.shift() ?? {}) };
    if (/\bfail\b/i.test(prompt)) {
      spec.outcome = "FAIL";
      spec.message = spec.message || "the prompt was refused by content review";
    }
    this.tasks.set(id, { id, kind, createdAt: this.now(), request: json, ...spec });
    record.taskId = id;
    if (fault?.kind === "drop-after-create") {
      return req.socket.destroy();
    }
    return tencent({ TaskId: id });
  }

  /** Delivers the real answer `text` broken in the way `fault` says (see the AFTER kinds of `fault`). */
  #deliverBroken(fault, req, res, status, headers, text, record) {
    res.on("error", () => {}); // the client may hang up first
    const body = Buffer.from(text);
    const taskIdEnd = () => {
      const m = /"TaskId":"[^"]*"/.exec(text);
      return m ? m.index + m[0].length : Math.floor(body.length / 2);
    };
    const lengthUnless = (chunked, length) => (chunked ? headers : { ...headers, "Content-Length": String(length) });
    switch (fault.kind) {
      case "truncated-after-create": {
        const part = body.subarray(0, fault.bytes ?? taskIdEnd());
        record.status = "truncated";
        record.sentBytes = part.length;
        res.writeHead(status, lengthUnless(fault.chunked, body.length));
        res.write(part);
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      case "garbled-after-create": {
        const garbled =
          fault.bytes === undefined
            ? Buffer.from(text.replace(/\}\}\s*$/, ',"Trace":<upstream hiccup>'))
            : body.subarray(0, fault.bytes);
        record.sentBytes = garbled.length;
        res.writeHead(status, { ...headers, "Content-Length": String(garbled.length) });
        res.end(garbled);
        return;
      }
      case "huge-after-create": {
        record.status = "huge";
        const padding = fault.bytes ?? 2 << 20;
        const head = Buffer.from(text.replace(/\}\}\s*$/, ',"Padding":"'));
        const tail = Buffer.from('"}}');
        res.writeHead(status, lengthUnless(fault.chunked, head.length + padding + tail.length));
        const block = Buffer.alloc(64 << 10, 0x61);
        let sent = 0;
        res.write(head);
        const pump = () => {
          while (sent < padding && !res.destroyed) {
            const n = Math.min(block.length, padding - sent);
            sent += n;
            if (!res.write(block.subarray(0, n))) return res.once("drain", pump);
          }
          record.sentBytes = head.length + sent;
          if (res.destroyed) return; // the client stopped reading, as it should past 1 MiB
          record.sentBytes += tail.length;
          res.end(tail);
        };
        pump();
        return;
      }
      case "hang-after-create":
        record.status = "hung";
        return; // never answered; close() destroys the socket
      case "headers-then-hang": {
        record.status = "hung";
        res.writeHead(status, lengthUnless(fault.chunked, body.length));
        res.flushHeaders();
        const part = body.subarray(0, fault.bytes ?? 0);
        record.sentBytes = part.length;
        if (part.length) res.write(part);
        return; // never finished; close() destroys the socket
      }
    }
  }

  #describe(kind, json, tencent, error) {
    if (typeof json.TaskId !== "string" || !json.TaskId) return error("MissingParameter", "TaskId is required");
    const task = this.tasks.get(json.TaskId);
    // A task of another kind is as unknown here as it is to the real API.
    if (!task || task.kind !== kind) return error("FailedOperation.TaskNotFound", `no task ${json.TaskId}`);
    const age = this.now() - task.createdAt;
    const status = age < task.waitMs ? "WAIT" : age < task.waitMs + task.runMs ? "RUN" : task.outcome === "FAIL" ? "FAIL" : "DONE";
    const message = status === "FAIL" ? task.message || "generation failed" : status === "DONE" ? "ok" : "";
    const { asset } = KINDS[kind];
    const url = `${this.publicUrl ?? this.url}/${asset.path}/${task.id}.${asset.ext}`;
    const done = status === "DONE";
    switch (kind) {
      case "image": {
        const count = Math.max(1, Math.min(4, Number(task.request.OutputImageCount) || 1));
        const ImageUrls = done ? Array.from({ length: count }, (_, i) => (i ? url.replace(/\.png$/, `-${i}.png`) : url)) : [];
        return tencent({ Status: status, ImageUrls, Message: message });
      }
      case "audio":
        return tencent({ Status: status, Message: message, AudioInfos: done ? [{ Url: url, Duration: 2 }] : [], VideoInfos: [] });
      default:
        return tencent({ Status: status, VideoUrls: done ? [url] : [], Resolution: done ? "480x270" : "", Message: message });
    }
  }

  #serveAsset(req, res, cors) {
    const asset = this.assets.get(req.url.split("/")[1]);
    if (!asset.bytes) {
      res.writeHead(404, cors).end();
      return;
    }
    const file = this.assetBytes(`http://mock${req.url.split("?")[0]}`);
    const i = this.assetFaults.findIndex(() => true);
    const fault = i < 0 ? undefined : this.assetFaults[i];
    if (fault && --fault.times <= 0) this.assetFaults.splice(i, 1);
    this.downloads.push({ at: Date.now(), url: req.url, fault: fault?.kind });
    switch (fault?.kind) {
      case "http":
        res.writeHead(fault.status, { ...cors, "Content-Type": "text/plain" }).end(`injected ${fault.status}`);
        return;
      case "truncated":
        res.writeHead(200, { ...cors, "Content-Type": asset.type, "Content-Length": file.length });
        res.write(file.subarray(0, file.length >> 1));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      case "chunked":
        res.writeHead(200, { ...cors, "Content-Type": asset.type });
        for (let at = 0; at < file.length; at += 8192) res.write(file.subarray(at, at + 8192));
        res.end();
        return;
      case "slow":
        setTimeout(() => res.writeHead(200, { ...cors, "Content-Type": asset.type, "Content-Length": file.length }).end(file), fault.delayMs);
        return;
    }
    // Range requests let browsers seek and read the duration.
    const total = file.length;
    const m = /bytes=(\d*)-(\d*)/.exec(req.headers.range ?? "");
    if (m) {
      const start = m[1] ? Number(m[1]) : 0;
      const end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
      res.writeHead(206, {
        ...cors,
        "Content-Type": asset.type,
        "Accept-Ranges": "bytes",
        "Content-Range": `bytes ${start}-${end}/${total}`,
        "Content-Length": end - start + 1,
      });
      res.end(file.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...cors, "Content-Type": asset.type, "Accept-Ranges": "bytes", "Content-Length": total });
    res.end(file);
  }

  /** Checks the TC3 signature; null when it holds, else { code, message }. */
  #verify(req, body) {
    const header = req.headers.authorization ?? "";
    const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      header,
    );
    if (!m) return { code: "AuthFailure.InvalidAuthorization", message: "Authorization is not TC3-HMAC-SHA256" };
    const [, secretId, date, service, signedHeaders, signature] = m;
    const cred = this.credentials.get(secretId);
    if (!cred) return { code: "AuthFailure.SecretIdNotFound", message: "the SecretId is not found" };
    const timestamp = Number(req.headers["x-tc-timestamp"]);
    if (!Number.isInteger(timestamp)) return { code: "MissingParameter", message: "X-TC-Timestamp is required" };
    if (Math.abs(this.now() / 1000 - timestamp) > SKEW_LIMIT_S) {
      return { code: "AuthFailure.SignatureExpire", message: "the signature has expired (timestamp too far from server time)" };
    }
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) {
      return { code: "AuthFailure.SignatureFailure", message: "the credential date is not the UTC date of the timestamp" };
    }
    // Real MPS hosts all start with "mps."; the official Node SDK signs the endpoint's first label,
    // which for this mock is "127". Accept both, as a host-derived check would.
    const firstLabel = (req.headers.host ?? "").split(".")[0];
    if (service !== "mps" && service !== firstLabel) {
      return { code: "AuthFailure.SignatureFailure", message: "the credential scope names another service" };
    }
    if ((cred.token ?? undefined) !== (req.headers["x-tc-token"] ?? undefined)) {
      return { code: "AuthFailure.TokenFailure", message: "the token is missing or wrong" };
    }
    const names = signedHeaders.split(";");
    if (!names.includes("content-type") || !names.includes("host")) {
      return { code: "AuthFailure.SignatureFailure", message: "content-type and host must be signed" };
    }
    const sha256 = (data) => createHash("sha256").update(data).digest("hex");
    const hmac = (key, data) => createHmac("sha256", key).update(data).digest();
    const kSigning = hmac(hmac(hmac(`TC3${cred.secretKey}`, date), service), "tc3_request");
    const hostWithPort = req.headers.host ?? "";
    const hostname = hostWithPort.replace(/:\d+$/, "");
    for (const host of new Set([hostname, hostWithPort])) {
      const canonicalHeaders = names
        .map((n) => {
          let v = n === "host" ? host : String(req.headers[n] ?? "");
          if (n === "x-tc-action") v = v.toLowerCase();
          return `${n}:${v.trim()}\n`;
        })
        .join("");
      const canonical = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(body)}`;
      const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonical)}`;
      const expected = Buffer.from(hmac(kSigning, toSign).toString("hex"));
      if (timingSafeEqual(expected, Buffer.from(signature))) return null;
    }
    return { code: "AuthFailure.SignatureFailure", message: "the signature does not match" };
  }
}
