// mps-aigc/cloudflare outside Cloudflare Workers: the coordinator is a Durable Object, which only
// workerd runs. Importing this is allowed (a shared module, a type check); using it is an error
// that says where it runs.
function elsewhere() {
  throw new Error(
    "mps-aigc/cloudflare runs in Cloudflare Workers (workerd): bundle with wrangler, or with the \"workerd\" export condition",
  );
}

export class MpsCoordinator {
  constructor() {
    elsewhere();
  }
}
export const mpsTasks = elsewhere;
export const coordinatorStore = elsewhere;
