// What a TypeScript user writes, compiled with --strict (and the package's own typings checked:
// skipLibCheck off) by the oldest and the newest TypeScript, under node16 as an ES module and as
// CommonJS, and under bundler resolution with the DOM types. The import must find the right
// typings for each, `fetch: globalThis.fetch` must fit, and create / wait must give typed results.
// main.ts runs it (node16 only) against the mock; the @ts-expect-error lines must be errors.
import {
  MpsClient,
  MpsError,
  TaskFailedError,
  ready,
  type CreateAigcVideoTaskResult,
  type DescribeAigcVideoTaskResult,
} from "mps-aigc";

export async function createAndWait(options: { endpoint: string; secretId?: string; secretKey?: string; proxyToken?: string }): Promise<string> {
  await ready();
  const client = new MpsClient({ ...options, fetch: globalThis.fetch, timeoutMs: 10_000 });
  const created: CreateAigcVideoTaskResult = await client.create({ Prompt: "a cat, from TypeScript", Duration: 5 });
  const taskId: string = created.TaskId;
  const statuses: string[] = [];
  try {
    const done: DescribeAigcVideoTaskResult = await client.wait(taskId, {
      intervalMs: 100,
      onUpdate: (result) => statuses.push(result.Status),
    });
    const first: string | undefined = done.VideoUrls[0];
    return `${done.Status} after ${statuses.join(",")} ${first === undefined ? "without" : "with"} a video`;
  } catch (e) {
    if (e instanceof TaskFailedError) return `FAIL ${e.taskId}: ${e.message}`;
    if (e instanceof MpsError) return `${e.code}: ${e.message}`;
    throw e;
  }
}

export function refusedAtCompileTime(client: MpsClient): void {
  // @ts-expect-error Duration is a number
  void client.create({ Prompt: "x", Duration: "5" });
  // @ts-expect-error the wait's result is typed: no such field
  void client.wait("t").then((done) => done.VideoUrls.nope);
  // @ts-expect-error fetch must be a function
  void new MpsClient({ secretId: "a", secretKey: "b", fetch: "fetch" });
}
