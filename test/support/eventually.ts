/** Polls until check() passes (bounded); the last failure is rethrown so the test says what never happened. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Polls a condition every 20 ms until it holds; fails naming `what` after `timeoutMs` (never hangs a test). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  await eventually(
    async () => {
      if (!(await check())) throw new Error(`timed out waiting for ${what}`);
    },
    timeoutMs,
    20,
  );
}
