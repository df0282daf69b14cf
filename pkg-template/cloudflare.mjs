// mps-aigc/cloudflare: a Durable Object that coordinates every isolate of a Cloudflare app on one
// account (rate limits, the signing proxy's quotas, durable tasks). Same wasm as `mps-aigc`: this
// entry loads it the way the workerd entry does, and shares its modules.
import "./workerd.mjs";

export { MpsCoordinator } from "./cloudflare/coordinator.js";
export { mpsTasks, coordinatorStore } from "./cloudflare/handles.js";
