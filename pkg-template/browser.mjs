// Browsers and bundlers: the wasm is fetched as soon as this module runs, from next to this file;
// bundlers that understand `new URL("./x.wasm", import.meta.url)` (Vite, webpack) ship it as an asset
// and rewrite that expression, so it must stay written exactly so. Nothing here may throw at load:
// every failure becomes a ClientNotReady (loader.js) whose message says which URL answered what.
import init from "./mps_aigc.js";
import { boot } from "./loader.js";

// A bundle that is a classic script (esbuild's default IIFE format) has an empty import.meta; the
// <script> element running it then says where it came from. (null for modules and inline scripts.)
const script = typeof document === "object" && document !== null ? document.currentScript?.src : undefined;

boot(load);

export * from "./api.js";

/** Loads the wasm from `source` (a URL given to ready()) or from where it ships; rejects with why not. */
async function load(source) {
  const urls = source === undefined ? shippedUrls() : [given(source)];
  const answers = [];
  for (const url of urls) {
    const { response, problem } = await fetchWasm(url);
    if (!response) {
      answers.push(`${url} ${problem}`);
      continue;
    }
    try {
      return await init({ module_or_path: response });
    } catch (e) {
      throw new Error(`${url} did not compile (${e?.message ?? e})`, { cause: e });
    }
  }
  throw new Error(`${answers.join(", and ")}. ${advice(urls, answers)}`);
}

/**
 * Where the package ships the wasm: beside this file. Vite's dev server (5 to 7) moves this file
 * into node_modules/.vite/deps/ without the wasm (its dependency optimizer does not copy assets),
 * so from there the package's own folder, which the dev server also serves, comes second.
 */
function shippedUrls() {
  let url;
  try {
    url = new URL("./mps_aigc_bg.wasm", import.meta.url);
  } catch {
    if (!script) {
      throw new Error(
        "the .wasm's URL is unknown: import.meta.url is empty here (a bundle in IIFE or CommonJS format, run " +
          "inline?). Bundle as an ES module (esbuild --format=esm), or call ready(url) with the URL of " +
          "mps_aigc_bg.wasm (from node_modules/mps-aigc/) before any other call",
      );
    }
    url = new URL("mps_aigc_bg.wasm", script);
  }
  const urls = [url];
  if (url.pathname.includes("/.vite/deps/")) urls.push(new URL("../../mps-aigc/mps_aigc_bg.wasm", url));
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
function advice(urls, answers) {
  const exclude = 'add optimizeDeps: { exclude: ["mps-aigc"] } to vite.config';
  const serve = "serve mps_aigc_bg.wasm (from node_modules/mps-aigc/) there, or call ready(url) with where it is served";
  if (urls.some((url) => url.pathname.includes("/.vite/"))) {
    return `Vite's dev server moved mps-aigc into its dependency cache without the wasm: ${exclude}`;
  }
  if (answers.some((answer) => answer.includes("an HTML page"))) return `With Vite's dev server, ${exclude}; otherwise ${serve}`;
  return `To fix: ${serve}`;
}
