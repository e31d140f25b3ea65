/**
 * One turn of the event loop. Long synchronous work (a WASM fit per series) calls it between units, and
 * the CLI before writing a bundle, so that a Ctrl-C (its SIGINT handler: exit 130, no bundle) and
 * worker messages are handled then rather than after the whole run; awaiting a resolved promise would not
 * do it (microtasks run before the loop polls for signals).
 */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
