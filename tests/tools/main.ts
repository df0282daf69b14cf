// The node16 consumers' program (ES module and CommonJS alike): a task to DONE against the mock
// directly, then again through the signing proxy served by mps-aigc/node-http, all typed.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSigningProxy } from "mps-aigc";
import { serve, toNodeListener } from "mps-aigc/node-http";
import { createAndWait } from "./consumer.js";

const keys = { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" };
const proxyToken = "proxy-token-for-tests-0123456789";

async function main(mock: string): Promise<string[]> {
  const lines = [`direct: ${await createAndWait({ endpoint: mock, ...keys })}`];
  const proxy = createSigningProxy({ ...keys, upstream: mock, proxyTokens: [proxyToken] });
  const server = await serve(proxy, { port: 0, hostname: "127.0.0.1", onListen: false });
  try {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    lines.push(`proxy: ${await createAndWait({ endpoint: `http://127.0.0.1:${port}/`, proxyToken })}`);
  } finally {
    server.close();
  }
  // The listener fits node:http's own server (typed against @types/node).
  const plain = createServer(toNodeListener(proxy));
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", () => resolve()));
  const port = (plain.address() as AddressInfo).port;
  try {
    lines.push(`listener: ${await createAndWait({ endpoint: `http://127.0.0.1:${port}/`, proxyToken })}`);
  } finally {
    plain.close();
  }
  return lines;
}

main(process.argv[2] ?? "").then(
  (lines) => console.log(JSON.stringify(lines)),
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
