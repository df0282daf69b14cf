// The one place the package reads the clock and randomness. The machines in Rust take them as
// inputs, which is what lets their tests run on a fake clock.

/** Wall time, ms since the epoch (signatures, the server's clock offset). */
export const wallMs = () => Date.now();

/**
 * A monotonic clock in ms (deadlines, pacing); wall time where there is none. Chosen on first use,
 * not at import: the first read of the global `performance` loads Node's perf_hooks (1 to 2 ms).
 */
let mono;
export const monoMs = () =>
  (mono ??=
    typeof performance === "object" && performance !== null && typeof performance.now === "function"
      ? () => performance.now()
      : wallMs)();

/** A random number in [0, 1), for jitter. */
export const random = () => Math.random();
