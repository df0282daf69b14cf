// What Node's two entries (node.mjs, node.cjs) share: where the wasm files are read from, and when.
import { instance } from "./mps_aigc.js";
import { boot, glue, proxyGlue, proxyNotReady } from "./loader.js";
import { platform } from "./transport.js";

const CLIENT = "mps_aigc_node_bg.wasm";
const PROXY = "mps_aigc_proxy_bg.wasm";
/** The wasm export behind signTc3 (its short name; scripts/assemble-pkg.mjs writes it in). */
const SIGN_EXPORT = "@SIGN_EXPORT@";

/**
 * A wasm is read and compiled synchronously on first use. The client's (a client alone), unless
 * that first use is a signing proxy, a minted token or a standalone function (signTc3, an adviser,
 * redactSecrets): then the proxy's, which has everything and serves the program's clients too. A
 * proxy or a standalone function used after a client loads the proxy's wasm beside it.
 *
 * `shipped(name)` is where the entry finds the wasm file `name` (beside itself): a path or a file
 * URL. `files.read` reads one; `files.resolve` makes a path absolute. `ready(path)` (a path or a
 * `file:` URL) names another place for the client's wasm, and the proxy's is then looked for
 * beside it: for a program bundled into one file. Where a file is not at that place, it is looked
 * for where the package ships it (a bundler may have shipped it under another name).
 */
export function bootNode(shipped, files) {
  let named; // { source, at }: the place ready() named, made absolute when it was named
  const read = (source, name) => {
    const places = [];
    if (source !== undefined) {
      if (named?.source !== source) named = { source, at: place(source, files.resolve) };
      places.push(beside(named.at, name));
    }
    let unknown;
    try {
      const own = shipped(name);
      if (!places.some((at) => same(at, own))) places.push(own);
    } catch (e) {
      unknown = e; // import.meta is empty and there is no __dirname: nowhere to look by default
    }
    const missing = [];
    for (const at of places) {
      try {
        return files.read(at);
      } catch (e) {
        if (e?.code !== "ENOENT") throw new Error(`${at} could not be read (${e?.message ?? e})`, { cause: e });
        missing.push(e.path ?? String(at));
      }
    }
    if (missing.length === 0) throw unknown;
    // Most likely a program bundled into one file that did not ship the wasm: what to do.
    throw new Error(`not found: ${missing.join(", nor ")}; a bundled program needs ${CLIENT} and ${PROXY} beside it, or ready(path)`);
  };
  // Whether the client's instance has the standalone functions: the Node client's wasm has not,
  // but ready(path) may name a page's (what bundles shipped before Node clients had their own).
  let whole = false;
  const needs = `${PROXY}, on which it runs in Node`;
  boot(
    instance,
    (source) => {
      whole = typeof glue.initSync({ module: read(source, CLIENT) })[SIGN_EXPORT] === "function";
    },
    (source, vacant) => {
      const proxy = vacant ? glue : instance();
      proxy.initSync({ module: read(source, PROXY) });
      if (vacant) whole = true;
      return proxy;
    },
    {
      lazy: true,
      // signTc3, the advisers and redactSecrets run on the proxy's wasm (loaded now, if it was
      // not), unless the client's has them.
      standalone(what) {
        if (whole) return glue;
        const proxy = proxyGlue();
        if (!proxy) throw proxyNotReady(what, needs); // here only when reading it failed (Node reads synchronously)
        return proxy;
      },
    },
  );
  // Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
  // describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
  // it; other runtimes that take these entries, such as Bun, keep "manual").
  if (process.versions.undici) platform.readRedirect = "error";
}

/** Whether two places (paths or file: URLs) are the same file, as far as can be told without node:url. */
function same(a, b) {
  const key = (at) => (at instanceof URL ? decodeURIComponent(at.pathname) : String(at));
  return key(a) === key(b);
}

/** What ready() was given, made absolute: a path, or a file: URL. */
function place(source, resolve) {
  const text = typeof source === "string" ? source : source?.href;
  if (typeof text !== "string" || text === "") throw new TypeError("ready(path): path must be a non-empty string or a file: URL");
  // A path (a drive letter is no URL scheme), or a URL, named by its scheme only: it may hold a secret.
  if (!/^[a-z][a-z\d+.-]+:/i.test(text)) return resolve(text);
  const url = new URL(text);
  if (url.protocol !== "file:") throw new TypeError(`ready(path): an ${url.protocol} URL is not a path or a file: URL`);
  return url;
}

/** The file `name` at `at`, the client's wasm as ready() named it: that, or the proxy's beside it. */
function beside(at, name) {
  if (name === CLIENT) return at;
  return at instanceof URL ? new URL(name, at) : at.replace(/[^/\\]*$/, name);
}
