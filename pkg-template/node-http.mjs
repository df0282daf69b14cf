// mps-aigc/node-http: a fetch-style handler, `(Request) => Promise<Response>` (createSigningProxy's,
// or a Worker's `fetch`), served by Node's own http server (Node 18+, whose Request and Response
// are global). Bodies stream both ways and are read only as far as the handler reads them; nothing
// a client or the handler does can crash the server. No dependency on the rest of the package.
import { createServer } from "node:http";

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
 * `false` for silence.
 */
export function serve(handler, { port = 8787, hostname = "127.0.0.1", onListen } = {}) {
  const server = createServer(toNodeListener(handler));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      const { port: bound } = server.address();
      const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${bound}/`;
      if (onListen === undefined) console.log(`Listening on ${url}`);
      else if (onListen) onListen({ hostname, port: bound, url });
      resolve(server);
    });
  });
}

async function answer(handler, req, res) {
  req.on("error", () => {}); // a client that resets mid-request: the body stream reports it
  res.on("error", () => {});
  const gone = new AbortController(); // the client went away before the whole answer was sent
  res.once("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  let request;
  try {
    request = toRequest(req, gone.signal);
  } catch {
    return plain(res, 400, "bad request");
  }
  let response;
  try {
    response = await handler(request);
  } catch {
    return plain(res, 500, "the handler failed"); // its error may say what the client must not see
  }
  if (!isResponse(response)) return plain(res, 500, "the handler did not answer with a Response");
  await send(response, req, res);
}

function toRequest(req, signal) {
  // Only origin-form targets ("/path?query"): an absolute URL or "*" in the request line is refused.
  if (typeof req.url !== "string" || !req.url.startsWith("/")) throw new Error("not origin-form");
  const host = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.headers.host ?? "") ? req.headers.host : "localhost";
  const url = new URL(req.url, `${req.socket?.encrypted ? "https" : "http"}://${host}`);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (!req.rawHeaders[i].startsWith(":")) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
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

function isResponse(value) {
  try {
    return typeof value?.status === "number" && typeof value.headers?.forEach === "function";
  } catch {
    return false;
  }
}

async function send(response, req, res) {
  const head = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") head[name] = value;
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length) head["set-cookie"] = cookies;
  // A request body the handler did not read to its end is not drained: the connection closes
  // after the answer, and is cut if the client keeps sending.
  if (!req.complete) head.connection = "close";
  const body = response.body;
  try {
    res.writeHead(response.status, response.statusText || undefined, head);
  } catch {
    body?.cancel().catch(() => {});
    return plain(res, 500, "the handler's answer could not be sent");
  }
  if (!req.complete) {
    res.once("finish", () => {
      if (!req.complete) setTimeout(() => req.socket?.destroy(), 1000).unref();
    });
  }
  if (!body || req.method === "HEAD" || response.status === 204 || response.status === 304) {
    body?.cancel().catch(() => {});
    return res.end();
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) throw new Error("the client went away");
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } catch {
    reader.cancel().catch(() => {});
    res.destroy();
  }
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function plain(res, status, text) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) }).end(text);
}
