// Running a Worker in workerd (through Miniflare) the way wrangler would: bundled with the "workerd"
// export condition, the .wasm kept as a module import that the runtime compiles. Used by the demo,
// the proxy tests, the tarball tests and the start-up benchmark. Listens on 127.0.0.1 only.
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const root = path.resolve(fileURLToPath(import.meta.url), "../..");

/**
 * Bundles `entry` into `outDir/worker.mjs`, with the package's wasm beside it.
 * @param {{ entry: string, outDir: string, alias?: Record<string, string>, wasm?: string }} options
 *   `alias` maps "mps-aigc" to a build of it (default: resolved from node_modules, as installed);
 *   `wasm` is the .wasm to ship: the one the "workerd" entry imports, mps_aigc_proxy_bg.wasm (which
 *   serves clients and proxies there; default: the one in pkg/).
 * @returns {Promise<{ script: string, metafile: object }>}
 */
export async function bundleWorker({ entry, outDir, alias, wasm = path.join(root, "pkg/mps_aigc_proxy_bg.wasm") }) {
  mkdirSync(outDir, { recursive: true });
  const script = path.join(outDir, "worker.mjs");
  const { metafile } = await build({
    entryPoints: [entry],
    outfile: script,
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    alias,
    external: ["*.wasm", "cloudflare:*"], // the runtime's own modules (cloudflare:workers) stay imports
    metafile: true,
    logLevel: "error",
  });
  cpSync(wasm, path.join(outDir, path.basename(wasm)));
  return { script, metafile };
}

/**
 * Miniflare's options for one Worker: a bundled script (its .wasm a compiled module) and its
 * bindings. The modules are listed, as wrangler hands them to workerd: given only the script's path,
 * Miniflare parses the script itself (in Node) to find its imports, which took about 23 ms of what
 * the start-up benchmark counted as workerd's cold start (measured side by side, 11 rounds).
 */
export function workerOptions(script, bindings) {
  const source = readFileSync(script, "utf8");
  const wasm = [...source.matchAll(/^import\s+\w+\s+from\s*"(\.\/[^"]+\.wasm)"/gm)].map(([, name]) => path.join(path.dirname(script), name));
  return {
    modules: [
      { type: "ESModule", path: script, contents: source },
      ...wasm.map((file) => ({ type: "CompiledWasm", path: file, contents: readFileSync(file) })),
    ],
    compatibilityDate: "2025-09-01",
    bindings,
  };
}

/**
 * Starts workerd with a bundled worker script and `env` as its bindings (and `durableObjects`).
 * @returns {Promise<{ mf: Miniflare, url: string, dispose: () => Promise<void> }>}
 */
export async function startWorkerd({ script, env = {}, port = 0, durableObjects }) {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port,
    ...workerOptions(script, env),
    ...(durableObjects ? { durableObjects } : {}),
  });
  const url = await mf.ready;
  return { mf, url: url.href.replace(/\/$/, ""), dispose: () => mf.dispose() };
}

/**
 * www/worker.mjs, the signing proxy, with the package built in ../pkg; with `coordinator`, its
 * MpsCoordinator bound as MPS_COORDINATOR (as www/wrangler.toml binds it).
 * @param {{ env: Record<string, string>, port?: number, outDir?: string, coordinator?: boolean }} options
 */
export async function startProxyWorker({ env, port = 0, outDir = path.join(root, "target/proxy-worker"), coordinator = false }) {
  const { script } = await bundleWorker({
    entry: path.join(root, "www/worker.mjs"),
    outDir,
    // the entries the "workerd" condition picks
    alias: { "mps-aigc/cloudflare": path.join(root, "pkg/cloudflare.mjs"), "mps-aigc": path.join(root, "pkg/workerd.mjs") },
  });
  const durableObjects = coordinator ? { MPS_COORDINATOR: { className: "MpsCoordinator", useSQLite: true } } : undefined;
  return startWorkerd({ script, env, port, durableObjects });
}
