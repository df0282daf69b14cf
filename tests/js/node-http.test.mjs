// mps-aigc/node-http: what reaches the handler, what reaches the wire, and what serve() accepts.
// Every server here listens on 127.0.0.1; requests are written by hand on raw sockets where a
// fetch() client would clean them up first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Server } from "node:http";
import { gzipSync } from "node:zlib";
import { lib, KEYS, startMockMps, sleep, listen } from "./helpers.mjs";

const entry = process.env.MPS_AIGC_ENTRY ?? new URL("../../pkg/node.mjs", import.meta.url).href;
const { serve, toNodeListener } = await import(process.env.MPS_NODE_HTTP_ENTRY ?? new URL("./node-http.mjs", entry).href);
const PROXY_TOKEN = "proxy-token-for-tests-0123456789";

let mock;
before(async () => {
  mock = await startMockMps({ task: { waitMs: 30, runMs: 100 } });
});
after(() => mock?.close());

/** Writes `text` on a new connection and resolves with everything read until the server closes it. */
function exchange(port, text, { endAfterMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let read = "";
    const timer = setTimeout(() => socket.end(), endAfterMs);
    socket.setEncoding("latin1");
    socket.on("data", (d) => (read += d));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(read);
    });
  });
}

/** The answers in `text`, one HTTP/1.1 response after another, framed by Content-Length or chunked. */
function answers(text) {
  const out = [];
  while (text.startsWith("HTTP/1.1 ")) {
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) throw new Error(`an answer's head is cut short: ${JSON.stringify(text.slice(0, 200))}`);
    const head = text.slice(0, end);
    text = text.slice(end + 4);
    let body = "";
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    if (/^HTTP\/1\.1 (1\d\d|204|304) /.test(head)) {
      // no body, whatever the headers say
    } else if (length) {
      body = text.slice(0, Number(length[1]));
      text = text.slice(Number(length[1]));
    } else if (/\r\ntransfer-encoding: chunked/i.test(head)) {
      for (;;) {
        const line = text.indexOf("\r\n");
        const size = parseInt(text.slice(0, line), 16);
        if (line < 0 || Number.isNaN(size)) throw new Error(`not a chunked body: ${JSON.stringify(text.slice(0, 200))}`);
        text = text.slice(line + 2);
        if (size === 0) {
          text = text.slice(2);
          break;
        }
        body += text.slice(0, size);
        text = text.slice(size + 2);
      }
    }
    out.push({ status: Number(head.slice(9, 12)), reason: head.slice(13, head.indexOf("\r\n")), head, body });
  }
  return out;
}

test("a target written as //host or /\\host stays a path on this host, and the proxy's path holds", async () => {
  const seen = [];
  const echo = await listen(toNodeListener((request) => (seen.push(request.url), new Response("ok"))));
  const proxy = lib.createSigningProxy({ ...KEYS, upstream: mock.url, proxyTokens: [PROXY_TOKEN], path: "/mps" });
  const signer = await listen(toNodeListener(proxy));
  try {
    for (const target of ["//evil.example/mps", "/\\evil.example/mps"]) {
      const [answer] = answers(await exchange(echo.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nConnection: close\r\n\r\n`));
      assert.equal(answer.status, 200, target);
      const url = new URL(seen.at(-1));
      assert.equal(url.host, `127.0.0.1:${echo.port}`, `${target} became ${seen.at(-1)}`);
      assert.equal(url.pathname, "//evil.example/mps", target);
    }
    const before = mock.requests.length;
    const body = JSON.stringify({ Prompt: "a cat" });
    const request = (target) =>
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${signer.port}\r\nAuthorization: Bearer ${PROXY_TOKEN}\r\nX-TC-Action: CreateAigcVideoTask\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const [outside] = answers(await exchange(signer.port, request("//evil.example/mps")));
    assert.equal(outside.status, 404, `a proxy at /mps answered //evil.example/mps with ${outside.status}: ${outside.body}`);
    assert.equal(mock.requests.length, before, "nothing was signed for a path outside the proxy's");
    const [inside] = answers(await exchange(signer.port, request("/mps")));
    assert.equal(inside.status, 200, `the proxy's own path: ${inside.status} ${inside.body}`);
    assert.match(JSON.parse(inside.body).Response.TaskId, /\S/);
  } finally {
    await echo.close();
    await signer.close();
  }
});

test("a request with two Host headers is refused with 400 and never reaches the handler", async () => {
  let called = 0;
  const server = await listen(toNodeListener(() => (called++, new Response("ok"))));
  try {
    const [answer] = answers(await exchange(server.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`));
    assert.equal(answer.status, 400);
    assert.equal(answer.reason, "Bad Request");
    assert.equal(called, 0);
  } finally {
    await server.close();
  }
});

test("a handler's Transfer-Encoding and Connection headers never reach the wire, and its Content-Length is held to", async () => {
  const handlers = {
    "/exact": () => new Response("0123456789", { headers: { "Content-Length": "10", "X-Kept": "yes" } }),
    "/chunked": () => new Response("abc", { headers: { "Transfer-Encoding": "chunked", Connection: "close", "Keep-Alive": "timeout=999", Upgrade: "h2c" } }),
    "/empty": () => new Response(null, { headers: { "Content-Length": "5" } }),
    "/nonsense": () => new Response("abc", { headers: { "Content-Length": "3, 4" } }),
    "/plain": () => new Response("last"),
    "/short": () => new Response("0123456789", { headers: { "Content-Length": "3" } }),
    "/long": () => new Response("0123456789", { headers: { "Content-Length": "20" } }),
  };
  const server = await listen(toNodeListener((request) => handlers[new URL(request.url).pathname]()));
  const get = (path, last) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${last ? "Connection: close\r\n" : ""}\r\n`;
  try {
    // Requests pipelined on one kept-alive connection: each answer must be framed as Node framed it.
    const text = await exchange(server.port, ["/exact", "/chunked", "/empty", "/nonsense"].map((p) => get(p)).join("") + get("/plain", true));
    const [exact, chunked, empty, nonsense, plain, extra] = answers(text);
    assert.equal(extra, undefined, `more answers than requests: ${text}`);
    assert.equal(exact.body, "0123456789");
    assert.match(exact.head, /\r\ncontent-length: 10\r\n/i);
    assert.match(exact.head, /\r\nx-kept: yes/i);
    assert.equal(chunked.body, "abc");
    assert.doesNotMatch(chunked.head, /keep-alive: timeout=999|upgrade: h2c|connection: close/i);
    assert.match(empty.head, /\r\ncontent-length: 0\r\n/i, "a Content-Length over no body");
    assert.equal(nonsense.body, "abc");
    assert.doesNotMatch(nonsense.head, /3, 4/);
    assert.equal(plain.body, "last");
    // A body that breaks its Content-Length: the connection is cut, and nothing after it is read as an answer.
    for (const path of ["/short", "/long"]) {
      const broken = await exchange(server.port, get(path) + get("/plain", true));
      assert.doesNotMatch(broken, /last/, `${path}: the next answer was sent on a connection out of step: ${broken}`);
      assert.doesNotMatch(broken, /3456789/, `${path}: more bytes than promised were sent`);
    }
  } finally {
    await server.close();
  }
});

test("a fetch() response passed on as it is arrives decoded, and a handler's own encoded body is left alone", async () => {
  const text = "hello ".repeat(200);
  const upstream = await listen((req, res) => {
    const body = gzipSync(text);
    res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": body.length, "Content-Type": "text/plain" }).end(body);
  });
  const server = await listen(
    toNodeListener((request) =>
      new URL(request.url).pathname === "/passed-on"
        ? fetch(`http://127.0.0.1:${upstream.port}/`)
        : new Response(gzipSync(text), { headers: { "Content-Encoding": "gzip", "Content-Type": "text/plain" } }),
    ),
  );
  try {
    for (const path of ["/passed-on", "/own"]) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`); // fetch() decodes gzip itself
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), text, path);
    }
    const [own] = answers(await exchange(server.port, `GET /own HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    assert.match(own.head, /\r\ncontent-encoding: gzip\r\n/i, "the handler's own gzip body is labelled as such");
    const [passed] = answers(await exchange(server.port, `GET /passed-on HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    assert.doesNotMatch(passed.head, /content-encoding/i);
    assert.equal(passed.body, text);
  } finally {
    await server.close();
    await upstream.close();
  }
});

test("a handler's answer that cannot be sent gets a plain 500 Internal Server Error, and the server lives", async () => {
  const bad = {
    "/informational": () => ({ status: 100, headers: new Headers(), body: null }),
    "/headers-throw": () => ({ status: 200, headers: { forEach: () => { throw new Error("secret Gu5t9x"); } }, body: null }),
    "/bad-header": () => new Response("x", { status: 200, statusText: "fine\u0001" }),
    "/not-a-stream": () => ({ status: 200, headers: new Headers(), body: "a string" }),
  };
  const server = await listen(toNodeListener((request) => bad[new URL(request.url).pathname]()));
  try {
    for (const path of Object.keys(bad)) {
      const [answer] = answers(await exchange(server.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
      assert.equal(answer?.status, 500, `${path}: ${answer?.head}`);
      assert.equal(answer.reason, "Internal Server Error", path);
      assert.doesNotMatch(answer.body, /Gu5t9x/);
    }
    const still = await fetch(`http://127.0.0.1:${server.port}/informational`);
    assert.equal(still.status, 500);
  } finally {
    await server.close();
  }
});

test("a pipelined request whose client has gone sees its signal abort", async () => {
  let firstAnswered;
  const aborted = [];
  const handler = async (request) => {
    if (new URL(request.url).pathname === "/first") {
      await new Promise((resolve) => (firstAnswered = resolve));
      return new Response("first");
    }
    await new Promise((resolve) => request.signal.addEventListener("abort", resolve, { once: true }));
    aborted.push(new URL(request.url).pathname);
    return new Response("second");
  };
  const server = await listen(toNodeListener(handler));
  try {
    const socket = connect(server.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`GET /first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /second HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    for (let i = 0; i < 100 && !firstAnswered; i++) await sleep(10);
    assert.ok(firstAnswered, "the first request reached the handler");
    socket.destroy(); // the client goes away while /first is still being worked on
    for (let i = 0; i < 100 && aborted.length === 0; i++) await sleep(10);
    assert.deepEqual(aborted, ["/second"], "the second request's signal aborted when its connection closed");
    firstAnswered();
  } finally {
    await server.close();
  }
});

test("a connection kept alive for many requests does not gather listeners", async () => {
  const server = await listen(toNodeListener(() => new Response("ok")));
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const get = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const text = await exchange(server.port, get.repeat(30) + `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(answers(text).length, 31);
    await sleep(20);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
    await server.close();
  }
});

// serve(): every check happens before anything listens. listen() is intercepted for the mistaken
// options, so that nothing ever binds to another interface even if a check were missing.

/** Runs `fn(listened)` with every http.Server's listen() recording its port and host, and throwing. */
async function withoutListening(fn) {
  const listened = [];
  const original = Server.prototype.listen;
  Server.prototype.listen = function (...args) {
    listened.push(args.slice(0, 2));
    throw new Error("listen() was called");
  };
  try {
    await fn(listened);
  } finally {
    Server.prototype.listen = original;
  }
}

test("serve() refuses bad options, naming the option, before it listens", () =>
  withoutListening(async (listened) => {
    const ok = () => new Response("ok");
    const cases = [
      [null, /options must be an object/],
      ["8080", /options must be an object/],
      [{ Port: 0 }, /unknown option "Port"/],
      [{ host: "127.0.0.1" }, /unknown option "host"/],
      [{ port: "8080" }, /port must be an integer/],
      [{ port: -1 }, /port must be an integer/],
      [{ port: 65536 }, /port must be an integer/],
      [{ port: 1.5 }, /port must be an integer/],
      [{ hostname: "" }, /hostname must be a non-empty string/],
      [{ hostname: null }, /hostname must be a non-empty string/],
      [{ hostname: 0 }, /hostname must be a non-empty string/],
      [{ hostname: false }, /hostname must be a non-empty string/],
      [{ onListen: "yes" }, /onListen must be a function, or false/],
      [{ onListen: true }, /onListen must be a function, or false/],
    ];
    for (const [options, message] of cases) {
      let result;
      assert.doesNotThrow(() => (result = serve(ok, options)), `serve(h, ${JSON.stringify(options)}) threw instead of rejecting`);
      await assert.rejects(result, message, JSON.stringify(options));
    }
    await assert.rejects(serve("not a function", { port: 0 }), /handler must be a function/);
    assert.deepEqual(listened, [], "nothing listened");
  }));

test("serve() listens on 127.0.0.1 by default; an onListen that throws rejects and closes the server", async () => {
  const server = await serve(() => new Response("served"), { port: 0, onListen: false });
  try {
    const { address, port } = server.address();
    assert.equal(address, "127.0.0.1");
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "served");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  let heard;
  await assert.rejects(
    serve(() => new Response("x"), {
      port: 0,
      onListen: (address) => {
        heard = address;
        throw new Error("the caller's own mistake");
      },
    }),
    /the caller's own mistake/,
  );
  assert.match(heard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  await assert.rejects(fetch(heard.url), "the server closed");
});

test("an answer's body is cancelled when its client goes away: one queued behind another, and one waiting for its next chunk", async () => {
  const cancelled = [];
  let holdFirst;
  const endless = (name, everyMs) =>
    new Response(
      new ReadableStream({
        pull: (c) => (everyMs === undefined ? new Promise(() => {}) : sleep(everyMs).then(() => c.enqueue(new Uint8Array(1024)))),
        cancel: () => void cancelled.push(name),
      }),
    );
  const handlers = {
    "/first": () => new Promise((resolve) => (holdFirst = () => resolve(new Response("first")))),
    "/queued": () => endless("queued", 5),
    "/idle": () => endless("idle"),
  };
  const server = await listen(toNodeListener((request) => handlers[new URL(request.url).pathname]()));
  try {
    const queued = connect(server.port, "127.0.0.1");
    await new Promise((resolve) => queued.once("connect", resolve));
    queued.write(`GET /first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /queued HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    for (let i = 0; i < 100 && !holdFirst; i++) await sleep(10);
    await sleep(50); // /queued's handler has answered, and its body is being made behind /first's
    queued.destroy();
    const idle = connect(server.port, "127.0.0.1");
    idle.write(`GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await new Promise((resolve) => idle.once("data", resolve)); // the head came: the body waits
    idle.destroy();
    for (let i = 0; i < 200 && cancelled.length < 2; i++) await sleep(10);
    assert.deepEqual(cancelled.sort(), ["idle", "queued"]);
    holdFirst();
  } finally {
    await server.close();
  }
});

test("an answer made after its client left is cancelled at once; a body whose cancel() throws does not crash the server", async () => {
  const cancelled = [];
  const handlers = {
    // Answers only once the client has gone, with a body that would wait for ever.
    "/late": (request) =>
      new Promise((resolve) => request.signal.addEventListener("abort", resolve, { once: true })).then(
        () => new Response(new ReadableStream({ pull: () => new Promise(() => {}), cancel: () => void cancelled.push("late") })),
      ),
    // Another library's body, whose reader's cancel() throws rather than returning a promise.
    "/odd": () => ({
      status: 200,
      headers: new Headers(),
      body: {
        getReader: () => ({
          read: () => new Promise(() => {}),
          cancel: () => {
            cancelled.push("odd");
            throw new Error("no promise here");
          },
        }),
      },
    }),
  };
  handlers["/alive"] = () => new Response("alive");
  const server = await listen(toNodeListener((request) => handlers[new URL(request.url).pathname](request)));
  try {
    for (const path of ["/late", "/odd"]) {
      const socket = connect(server.port, "127.0.0.1");
      socket.on("error", () => {});
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      if (path === "/odd") await new Promise((resolve) => socket.once("data", resolve));
      else await sleep(50);
      socket.destroy();
    }
    for (let i = 0; i < 200 && cancelled.length < 2; i++) await sleep(10);
    assert.deepEqual(cancelled.sort(), ["late", "odd"]);
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/alive`)).text(), "alive");
  } finally {
    await server.close();
  }
});

test("a handler that fails before reading the whole body: the 500 closes the connection, and the next request is not left waiting", async () => {
  const server = await listen(
    toNodeListener(async (request) => {
      await request.body.getReader().read(); // one chunk, then a failure
      throw new Error("failed mid-body");
    }),
  );
  try {
    const body = "x".repeat(1024 * 1024);
    const text = await exchange(
      server.port,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      { endAfterMs: 10_000 },
    );
    const [first] = answers(text);
    assert.equal(first.status, 500);
    assert.match(first.head, /\r\nconnection: close\r\n/i);
  } finally {
    await server.close();
  }
  // A request with no body has nothing unread, even for a handler that throws before Node has
  // marked it complete: the connection stays, and the request behind it is answered.
  const thrower = await listen(
    toNodeListener(() => {
      throw new Error("at once");
    }),
  );
  try {
    const get = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const both = answers(await exchange(thrower.port, get + get, { endAfterMs: 500 }));
    assert.deepEqual(both.map((a) => a.status), [500, 500]);
    assert.doesNotMatch(both[0].head, /connection: close/i);
  } finally {
    await thrower.close();
  }
});

test("a body already read by what ran before the listener fails the handler's read at once instead of hanging", async () => {
  const listener = toNodeListener(async (request) => {
    try {
      await request.text();
      return new Response("read");
    } catch (e) {
      return new Response(e.message, { status: 422 });
    }
  });
  const server = await listen((req, res) => {
    req.resume(); // a body parser before the listener
    req.once("end", () => listener(req, res));
  });
  try {
    const answer = await fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", body: "{}", signal: AbortSignal.timeout(5000) });
    assert.equal(answer.status, 422);
    assert.match(await answer.text(), /already read/);
  } finally {
    await server.close();
  }
});

test("the request's connection headers, and those its Connection header names, do not reach the handler", async () => {
  let seen;
  const server = await listen(
    toNodeListener(async (request) => {
      seen = { headers: [...request.headers.keys()], body: await request.text() };
      return new Response("ok");
    }),
  );
  try {
    const [answer] = answers(
      await exchange(
        server.port,
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close, X-Private\r\nX-Private: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n` +
          `Transfer-Encoding: chunked\r\nX-Kept: 1\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      ),
    );
    assert.equal(answer.status, 200);
    assert.equal(seen.body, "hello");
    assert.deepEqual(seen.headers.sort(), ["host", "x-kept"]);
  } finally {
    await server.close();
  }
});

test("a streamed answer's status and headers are sent before its first chunk", async () => {
  let release;
  const server = await listen(
    toNodeListener(() => {
      const body = new ReadableStream({
        start(controller) {
          release = () => {
            release = undefined;
            controller.enqueue(new TextEncoder().encode("event"));
            controller.close();
          };
        },
      });
      return new Response(body, { headers: { "X-Stream": "1" } });
    }),
  );
  try {
    // fetch() resolves when the head arrives; the body is released only after that.
    const response = await fetch(`http://127.0.0.1:${server.port}/`, { signal: AbortSignal.timeout(3000) });
    assert.equal(response.headers.get("x-stream"), "1");
    release();
    assert.equal(await response.text(), "event");
  } finally {
    release?.();
    await server.close();
  }
});

test("Content-Length on 204 and 304 answers, and each Set-Cookie on its own line from headers without getSetCookie", async () => {
  const handlers = {
    "/204": () => new Response(null, { status: 204, headers: { "Content-Length": "0" } }),
    "/304": () => new Response(null, { status: 304, headers: { "Content-Length": "1234", ETag: '"a"' } }),
    "/shape": () => {
      // Headers that yield each Set-Cookie apart, as WHATWG iteration does, without getSetCookie.
      const entries = [["content-type", "text/plain"], ["set-cookie", "a=1"], ["set-cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]];
      return { status: 200, headers: { forEach: (fn) => entries.forEach(([name, value]) => fn(value, name)) }, body: null };
    },
    "/node-fetch": () => {
      // node-fetch's Headers: forEach joins them; raw() keeps them apart.
      const cookies = ["c=3", "d=4; Expires=Wed, 21 Oct 2026 07:28:00 GMT"];
      const headers = { forEach: (fn) => fn(cookies.join(", "), "set-cookie"), raw: () => ({ "set-cookie": cookies }) };
      return { status: 200, headers, body: null };
    },
  };
  const server = await listen(toNodeListener((request) => handlers[new URL(request.url).pathname]()));
  try {
    const get = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const [noContent, notModified, shape, nodeFetch] = answers(await exchange(server.port, get("/204") + get("/304") + get("/shape") + get("/node-fetch"), { endAfterMs: 500 }));
    assert.equal(noContent.status, 204);
    assert.doesNotMatch(noContent.head, /content-length/i, "a 204 has no Content-Length");
    assert.equal(notModified.status, 304);
    assert.match(notModified.head, /\r\ncontent-length: 1234/i, "a 304 keeps the length of what it does not send");
    const cookieLines = (head) => head.split("\r\n").filter((line) => /^set-cookie:/i.test(line));
    assert.deepEqual(cookieLines(shape.head), ["set-cookie: a=1", "set-cookie: b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]);
    assert.deepEqual(cookieLines(nodeFetch.head), ["set-cookie: c=3", "set-cookie: d=4; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]);
  } finally {
    await server.close();
  }
});

test("serve() reads only the options' own properties", () =>
  withoutListening(async (listened) => {
    Object.prototype.hostname = "0.0.0.0"; // eslint-disable-line no-extend-native
    try {
      await assert.rejects(serve(() => new Response("x"), { port: 0 }), /listen\(\) was called/);
    } finally {
      delete Object.prototype.hostname;
    }
    assert.deepEqual(listened, [[0, "127.0.0.1"]]);
  }));
