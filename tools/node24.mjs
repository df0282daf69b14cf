// Node 24, the current LTS, which scripts/setup installs beside the machine's Node (its version and
// integrity are pinned there): the tests and benchmarks that measure Node run on both.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Node 24 binary. */
export const NODE24 = path.resolve(fileURLToPath(import.meta.url), "../../.cache/node24/bin/node");
