// What Node's two entries (node.mjs, node.cjs) share: where the wasm files are read from, and when.
import { instance } from "./mps_aigc.js";
import { boot, glue, proxyFailedNow, proxyGlue, proxyNotReady } from "./loader.js";
import { platform } from "./transport.js";

const CLIENT = "mps_aigc_node_bg.wasm";
const PROXY = "mps_aigc_proxy_bg.wasm";

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
      places.push(shipped(name));
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
  boot(
    instance,
    (source) => void glue.initSync({ module: read(source, CLIENT) }),
    (source, vacant) => {
      const proxy = vacant ? glue : instance();
      proxy.initSync({ module: read(source, PROXY) });
      return proxy;
    },
    {
      lazy: true,
      // The client's wasm here has a client alone: signTc3, the advisers and redactSecrets run on
      // the proxy's (loaded now, if it was not).
      standalone(what) {
        const proxy = proxyGlue();
        if (!proxy) throw proxyFailedNow(what) ?? proxyNotReady(what);
        return proxy;
      },
    },
  );
  // Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
  // describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
  // it; other runtimes that take these entries, such as Bun, keep "manual").
  if (process.versions.undici) platform.readRedirect = "error";
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
