// mps-aigc/node-http: a fetch-style handler, `(Request) => Promise<Response>` (createSigningProxy's,
// or a Worker's `fetch`), served by Node's own http server (Node 18+, whose Request and Response
// are global). Bodies stream both ways and are read only as far as the handler reads them; nothing
// a client or the handler does can crash the server. No dependency on the rest of the package.
import { createServer, STATUS_CODES } from "node:http";

/** `(req, res) => void` for `http.createServer`, answering each request with `handler`. */
export function toNodeListener(handler) {
  if (typeof handler !== "function") throw new TypeError("toNodeListener(handler): handler must be a function (request) => Response");
  return (req, res) => {
    answer(handler, req, res).catch(() => res.destroy());
  };
}

/**
 * Serves `handler` on `hostname:port` (default 127.0.0.1:8787, where `wrangler dev` listens);
 * resolves with the listening server. `onListen` is called with its URL (default: printed), or
 * `false` for silence. Bad options reject, naming the option, before anything listens.
 */
export function serve(handler, options = {}) {
  let port, hostname, onListen, listener;
  try {
    ({ port, hostname, onListen } = serveOptions(options));
    listener = toNodeListener(handler);
  } catch (e) {
    return Promise.reject(e);
  }
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      const { port: bound } = server.address();
      const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${bound}/`;
      try {
        if (onListen === undefined) console.log(`Listening on ${url}`);
        else if (onListen) onListen({ hostname, port: bound, url });
      } catch (e) {
        server.close(); // nobody would know it listens: the caller gets the error instead
        server.closeAllConnections?.();
        return reject(e);
      }
      resolve(server);
    });
  });
}

const SERVE_OPTIONS = ["port", "hostname", "onListen"];

/** serve()'s options, checked: a mistake would otherwise listen somewhere it was not meant to. */
function serveOptions(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`serve(handler, options): options must be an object like { port, hostname, onListen }, not ${describe(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!SERVE_OPTIONS.includes(name)) {
      throw new TypeError(`serve(handler, options): unknown option "${name}" (the options are ${SERVE_OPTIONS.join(", ")})`);
    }
  }
  const own = (name, fallback) => (Object.hasOwn(options, name) && options[name] !== undefined ? options[name] : fallback);
  const port = own("port", 8787);
  const hostname = own("hostname", "127.0.0.1");
  const onListen = own("onListen", undefined);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`serve(handler, options): port must be an integer from 0 (any free port) to 65535, not ${describe(port)}`);
  }
  // Node listens on every interface when the host is empty or missing: that is never the default.
  if (typeof hostname !== "string" || hostname.trim() === "") {
    throw new TypeError(`serve(handler, options): hostname must be a non-empty string such as "127.0.0.1" (or "0.0.0.0" for every interface), not ${describe(hostname)}`);
  }
  if (onListen !== undefined && onListen !== false && typeof onListen !== "function") {
    throw new TypeError(`serve(handler, options): onListen must be a function, or false for silence, not ${describe(onListen)}`);
  }
  return { port, hostname, onListen };
}

function describe(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

async function answer(handler, req, res) {
  req.on("error", () => {}); // a client that resets mid-request: the body stream reports it
  res.on("error", () => {});
  const gone = new AbortController(); // the client went away before the whole answer was sent
  const hangUp = () => {
    if (!res.writableFinished) gone.abort();
  };
  // A request pipelined behind another gets its `res` "close" only when its turn comes; its
  // connection's "close" says at once that nobody is left to answer.
  const open = inFlight(req.socket);
  open?.add(hangUp);
  res.once("close", () => {
    open?.delete(hangUp);
    hangUp();
  });
  let request;
  try {
    request = toRequest(req, gone.signal);
  } catch {
    return plain(req, res, 400, "bad request");
  }
  let response;
  try {
    response = await handler(request);
  } catch {
    return plain(req, res, 500, "the handler failed"); // its error may say what the client must not see
  }
  if (!isResponse(response)) return plain(req, res, 500, "the handler did not answer with a Response");
  await send(response, req, res, gone.signal);
}

const inFlightBySocket = new WeakMap();

/** The hang-up callbacks of the requests in flight on `socket`: one "close" listener per connection. */
function inFlight(socket) {
  if (!socket) return undefined;
  let open = inFlightBySocket.get(socket);
  if (!open) {
    open = new Set();
    inFlightBySocket.set(socket, open);
    socket.once("close", () => {
      for (const hangUp of open) hangUp();
      open.clear();
    });
  }
  return open;
}

function toRequest(req, signal) {
  // Only origin-form targets ("/path?query"): an absolute URL or "*" in the request line is
  // refused. The URL is joined as text, never resolved: "//elsewhere/x" is a path on this host.
  if (typeof req.url !== "string" || !req.url.startsWith("/")) throw new Error("not origin-form");
  // Headers about this connection (and those its Connection header names) are Node's, not the
  // handler's: a handler passing the request's headers on to fetch() would have them refused.
  const named = String(req.headers.connection ?? "").split(",").map((name) => name.trim().toLowerCase());
  const headers = new Headers();
  let hosts = 0;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const key = name.toLowerCase();
    if (key === "host" && ++hosts > 1) throw new Error("more than one Host"); // RFC 9112 §3.2: answered 400
    if (!name.startsWith(":") && !HOP_BY_HOP.has(key) && !named.includes(key)) headers.append(name, req.rawHeaders[i + 1]);
  }
  const given = req.headers.host ?? "";
  const host = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(given) ? given : "localhost";
  const url = new URL(`${req.socket?.encrypted ? "https" : "http"}://${host}${req.url}`);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, { method, headers, signal, ...(hasBody ? { body: bodyOf(req), duplex: "half" } : {}) });
}

/**
 * The request's body as a web stream that reads from the socket only when the handler asks for
 * more (Node's own Readable.toWeb reads ahead, and has thrown "Controller is already closed").
 */
function bodyOf(req) {
  let done = false;
  return new ReadableStream({
    start(controller) {
      if (req.readableEnded) {
        // Something before this listener (a body parser) read the body: it cannot be read again.
        done = true;
        return controller.error(new TypeError("the request body was already read by what ran before this listener (a body parser?)"));
      }
      const settle = (fn) => {
        if (done) return;
        done = true;
        try {
          fn();
        } catch {}
      };
      req.on("data", (chunk) => {
        if (done) return;
        try {
          controller.enqueue(new Uint8Array(chunk)); // a copy: Node may reuse the chunk's memory
          if (controller.desiredSize <= 0) req.pause();
        } catch {
          req.pause();
        }
      });
      req.on("end", () => settle(() => controller.close()));
      req.on("error", (e) => settle(() => controller.error(e)));
      req.on("close", () => {
        if (!req.complete) settle(() => controller.error(new Error("the client closed the connection mid-request")));
      });
      req.pause();
    },
    pull() {
      if (!done) req.resume();
    },
    cancel() {
      done = true;
      req.pause(); // the handler has read enough: what is left is not read (see send())
    },
  }, { highWaterMark: 1 });
}

/** A `Response`, or one from another realm or library: a final status, headers, a stream or no body. */
function isResponse(value) {
  if (value instanceof Response) return true;
  try {
    const { status, headers, body } = value;
    return Number.isInteger(status) && status >= 200 && status <= 599 && typeof headers?.forEach === "function" && (body == null || typeof body.getReader === "function");
  } catch {
    return false;
  }
}

// Headers about this connection, not the answer: Node writes its own (a handler's Transfer-Encoding
// would desynchronise a kept-alive connection). Content-Length is kept, and held to: see send().
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

// What Node's fetch() decodes itself (every Node since 18), leaving the headers as they came.
const FETCH_DECODES = new Set(["gzip", "x-gzip", "deflate", "br"]);

/**
 * Whether `response` came from Node's fetch() (it has a URL) with a body fetch() has already
 * decoded, as when a Worker-style handler returns `fetch(...)` as it is.
 */
function decodedByFetch(response, encoding) {
  if (!encoding || typeof response.url !== "string" || response.url === "") return false;
  return encoding.split(",").every((coding) => FETCH_DECODES.has(coding.trim().toLowerCase()));
}

async function send(response, req, res, signal) {
  const head = {};
  let body;
  try {
    // Set-Cookie, the one header that cannot be joined with commas, comes one by one from
    // getSetCookie() where there is one (every Node since 19.7); from forEach on headers without.
    const iterated = [];
    response.headers.forEach((value, name) => {
      const key = String(name).toLowerCase();
      if (key === "set-cookie") iterated.push(value);
      else if (!HOP_BY_HOP.has(key)) head[key] = key in head ? `${head[key]}, ${value}` : value; // a shape may repeat a name
    });
    // node-fetch's Headers join Set-Cookie in forEach, and keep them apart in raw().
    const raw = typeof response.headers.raw === "function" ? response.headers.raw()?.["set-cookie"] : undefined;
    const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : Array.isArray(raw) ? raw : iterated;
    if (cookies.length) head["set-cookie"] = cookies;
    body = response.body;
  } catch {
    return plain(req, res, 500, "the handler's answer could not be sent");
  }
  const noBody = !body || req.method === "HEAD" || response.status === 204 || response.status === 304;
  if (!noBody && decodedByFetch(response, head["content-encoding"])) {
    delete head["content-encoding"]; // the bytes are no longer what these two headers describe
    delete head["content-length"];
  }
  // A Content-Length is the handler's promise about its body: one that is not a number is dropped,
  // an answer with no body sends 0, and a body that breaks the promise is cut off (below), so that
  // the next answer on a kept-alive connection never starts inside this one.
  let left;
  if ("content-length" in head) {
    if (!/^\d{1,15}$/.test(head["content-length"]) || response.status === 204) delete head["content-length"];
    else if (!noBody) left = Number(head["content-length"]);
    else if (!body && req.method !== "HEAD" && response.status !== 304) head["content-length"] = "0"; // a 304 and a HEAD answer may state the length of what they do not send
  }
  closingUnread(req, res, head);
  try {
    res.writeHead(response.status, response.statusText || undefined, head);
  } catch {
    cancelQuietly(body);
    return plain(req, res, 500, "the handler's answer could not be sent");
  }
  if (noBody) {
    cancelQuietly(body);
    return res.end();
  }
  const reader = body.getReader();
  // The client gone (Node 20 tells a response queued behind another nothing of it): the body is
  // cancelled at once, even one that is waiting for its next chunk (an event stream, a long poll).
  const cancel = () => cancelQuietly(reader); // in a listener, where a throw would be uncaught
  signal.addEventListener("abort", cancel, { once: true });
  try {
    if (signal.aborted) throw new Error("the client went away before the answer"); // no "abort" will come
    let next = reader.read();
    // An answer whose first bytes are not ready sends its head now: the client learns the status
    // while the body is being made, not with its first chunk.
    if (!(await settledSoon(next))) res.flushHeaders();
    for (;;) {
      const { done, value } = await next;
      if (signal.aborted || res.destroyed) throw new Error("the client went away");
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError("a body chunk that is not bytes");
      if (left !== undefined && (left -= value.byteLength) < 0) throw new Error("a body longer than its Content-Length");
      if (!res.write(value)) await drained(res, signal);
      next = reader.read();
    }
    if (left > 0) throw new Error("a body shorter than its Content-Length");
    res.end();
  } catch {
    cancel();
    res.destroy();
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** `stream.cancel()` (a web stream or its reader, or another library's), with no throw and no rejection left over. */
function cancelQuietly(stream) {
  try {
    Promise.resolve(stream?.cancel()).catch(() => {});
  } catch {}
}

/** Whether `promise` settles within a few microtasks (a stream that already holds a chunk). */
async function settledSoon(promise) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 4 && !settled; i++) await undefined;
  return settled;
}

function drained(res, signal) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A request body not read to its end is not drained: the answer says the connection closes, and
 * it is cut a second after the answer if the client keeps sending.
 */
function closingUnread(req, res, head) {
  // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3), though Node
  // marks it complete only after the "request" event: a handler that throws at once is answered first.
  const bodiless = req.headers["transfer-encoding"] === undefined && (req.headers["content-length"] ?? "0") === "0";
  if (req.complete || bodiless) return;
  head.connection = "close";
  res.once("finish", () => {
    if (!req.complete) setTimeout(() => req.socket?.destroy(), 1000).unref();
  });
}

function plain(req, res, status, text) {
  if (res.headersSent) return res.destroy();
  const head = { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) };
  closingUnread(req, res, head);
  res.writeHead(status, STATUS_CODES[status], head).end(text);
}
