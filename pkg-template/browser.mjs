// Browsers and bundlers: the client's wasm is fetched as soon as this module runs, from next to this
// file, and the signing proxy's (which a page has no use for) only when a proxy is made or a token
// minted. Bundlers that understand `new URL("./x.wasm", import.meta.url)` (Vite, webpack) ship both as
// assets and rewrite those expressions, so they must stay written exactly so. Nothing here may throw
// at load: every failure becomes a ClientNotReady (loader.js) whose message says which URL answered what.
// The client's wasm comes with the client build's own glue (1 KB gzip smaller than the proxy build's,
// which drives both wasm files elsewhere); the proxy build's glue is imported with the proxy's wasm,
// by a dynamic import that bundlers split into a chunk of its own.
import { instance } from "./mps_aigc_client.js";
import { boot, glue } from "./loader.js";

const CLIENT = "mps_aigc_bg.wasm";
const PROXY = "mps_aigc_proxy_bg.wasm";
const shipped = {
  [CLIENT]: () => new URL("./mps_aigc_bg.wasm", import.meta.url),
  [PROXY]: () => new URL("./mps_aigc_proxy_bg.wasm", import.meta.url),
};

// A bundle that is a classic script (esbuild's default IIFE format) has an empty import.meta; the
// <script> element running it then says where it came from. (null for modules and inline scripts.)
const script = typeof document === "object" && document !== null ? document.currentScript?.src : undefined;

boot(
  instance,
  (source) => load(glue, CLIENT, source),
  async (source) => load((await import("./mps_aigc.js")).instance(), PROXY, source),
);

export * from "./api.js";

/**
 * Loads the wasm `name` into `target` (an instance of the glue), from where it ships, or for
 * `source` (the client wasm's URL given to ready()) from there, the proxy's beside it. Resolves
 * with `target`; rejects with why not.
 */
async function load(target, name, source) {
  const urls = source === undefined ? shippedUrls(name) : [name === CLIENT ? given(source) : new URL(name, given(source))];
  const answers = [];
  for (const url of urls) {
    const { response, problem } = await fetchWasm(url);
    if (!response) {
      answers.push(`${url} ${problem}`);
      continue;
    }
    try {
      await target.init({ module_or_path: response });
      return target;
    } catch (e) {
      throw new Error(`${url} did not compile (${e?.message ?? e})`, { cause: e });
    }
  }
  throw new Error(`${answers.join(", and ")}. ${advice(urls, answers, name)}`);
}

/**
 * Where the package ships the wasm: beside this file. Vite's dev server (5 to 7) moves this file
 * into node_modules/.vite/deps/ without the wasm (its dependency optimizer does not copy assets),
 * so from there the package's own folder, which the dev server also serves, comes second.
 */
function shippedUrls(name) {
  let url;
  try {
    url = shipped[name]();
  } catch {
    if (!script) {
      throw new Error(
        "the .wasm's URL is unknown: import.meta.url is empty here (a bundle in IIFE or CommonJS format, run " +
          "inline?). Bundle as an ES module (esbuild --format=esm), or call ready(url) with the URL of " +
          "mps_aigc_bg.wasm (from node_modules/mps-aigc/) before any other call",
      );
    }
    url = new URL(name, script);
  }
  const urls = [url];
  if (url.pathname.includes("/.vite/deps/")) urls.push(new URL(`../../mps-aigc/${name}`, url));
  return urls;
}

/** A URL given to ready(): a URL object or a string, relative to the page. */
function given(source) {
  const text = typeof source === "string" ? source : source?.href;
  if (typeof text !== "string") throw new TypeError("ready(url): url must be a string or a URL");
  return new URL(text, globalThis.document?.baseURI ?? globalThis.location?.href);
}

/** `{ response }` when `url` answers with something that may be the wasm, else `{ problem }`. */
async function fetchWasm(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    return { problem: `could not be fetched (${e?.message ?? e})` };
  }
  if (!response.ok) return { problem: `answered HTTP ${response.status}` };
  const type = response.headers.get("content-type") ?? "";
  // A web page instead of the wasm: a dev server's or a single-page app's fallback for unknown paths.
  if (/^text\/html/i.test(type)) return { problem: `answered an HTML page (${type}), not the wasm` };
  return { response };
}

/** What to do, after the answers: the one line that fixes Vite's dev server, where it may apply. */
function advice(urls, answers, name) {
  const exclude = 'add optimizeDeps: { exclude: ["mps-aigc"] } to vite.config';
  const serve =
    name === CLIENT
      ? "serve mps_aigc_bg.wasm (from node_modules/mps-aigc/) there, or call ready(url) with where it is served"
      : `serve ${name} (from node_modules/mps-aigc/) there, or beside mps_aigc_bg.wasm where ready(url) was told it is`;
  if (urls.some((url) => url.pathname.includes("/.vite/"))) {
    return `Vite's dev server moved mps-aigc into its dependency cache without the wasm: ${exclude}`;
  }
  if (answers.some((answer) => answer.includes("an HTML page"))) return `With Vite's dev server, ${exclude}; otherwise ${serve}`;
  return `To fix: ${serve}`;
}
