// Types for mps-aigc/node-http. Node's http types are described by shape, so @types/node is not
// needed; the real ones fit (a listener for http.createServer, the http.Server resolved by serve).

/** The platform's `Request` type when the program has one (Node's or the DOM's), else a shape. */
type PlatformRequest = typeof globalThis extends { Request: { prototype: infer R } } ? R : {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
  readonly signal: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
};

/**
 * A fetch-style handler: `createSigningProxy(...)`, or `(request) => worker.fetch(request, env)`.
 * It gets a real `Request` (its `signal` aborts when the client goes away) and should resolve to a
 * `Response`; anything else, or a throw, is answered with a plain 500 that says nothing more.
 */
export type FetchHandler = { handle(request: PlatformRequest): unknown }["handle"];

/** A listener for `http.createServer` (or `https`, or an Express app's `app.use`). */
export type NodeListener = (req: object, res: object) => void;

/** What `serve` resolves with: the listening `http.Server`. */
export interface NodeHttpServer {
  address(): { address: string; family: string; port: number } | string | null;
  close(callback?: (error?: Error) => void): this;
}

export interface ServeOptions {
  /** Default 8787 (where `wrangler dev` listens); 0 for any free port. */
  port?: number;
  /** Default `"127.0.0.1"`: only this machine can call. `"0.0.0.0"` for every interface. */
  hostname?: string;
  /** Called once listening, with the server's URL. Default: prints `Listening on <url>`; `false`: nothing. */
  onListen?: ((address: { hostname: string; port: number; url: string }) => void) | false;
}

/**
 * `(req, res) => void` answering each request with `handler`. Request and response bodies stream;
 * a request body is read only as far as the handler reads it (the rest is not drained: the
 * connection closes). Nothing a client or the handler does can crash the server.
 */
export declare function toNodeListener(handler: FetchHandler): NodeListener;

/**
 * Serves `handler` from a new `http.Server`; resolves once it listens, rejects if it cannot, if an
 * option is wrong (an unknown name, a port outside 0 to 65535, an empty hostname: nothing listens)
 * or if `onListen` throws (the server is closed again).
 */
export declare function serve(handler: FetchHandler, options?: ServeOptions): Promise<NodeHttpServer>;
