// Runs www/worker.mjs in workerd (through Miniflare) with the package built in ../pkg, the way
// wrangler would: bundled with the "workerd" export condition, the .wasm as a compiled module.
// Used by the demo and by the proxy tests. Listens on 127.0.0.1 only.
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const root = path.resolve(fileURLToPath(import.meta.url), "../..");

/**
 * @param {{ env: Record<string, string>, port?: number, outDir?: string }} options
 * @returns {Promise<{ url: string, dispose: () => Promise<void> }>}
 */
export async function startProxyWorker({ env, port = 0, outDir = path.join(root, "target/proxy-worker") }) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(root, "www/worker.mjs")],
    outfile: path.join(outDir, "worker.mjs"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    alias: { "mps-aigc": path.join(root, "pkg/workerd.mjs") }, // the entry the "workerd" condition picks
    external: ["*.wasm"],
    logLevel: "error",
  });
  cpSync(path.join(root, "pkg/mps_aigc_bg.wasm"), path.join(outDir, "mps_aigc_bg.wasm"));
  const mf = new Miniflare({
    host: "127.0.0.1",
    port,
    modules: true,
    scriptPath: path.join(outDir, "worker.mjs"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    bindings: env,
  });
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ""), dispose: () => mf.dispose() };
}
