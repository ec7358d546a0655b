/** Waiting in tests for what other processes do: a pause, and polling until a condition holds (also in the VS Code suites). */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first truthy value of `fn`, asked every `everyMs`; `timed out waiting for <what>` after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
