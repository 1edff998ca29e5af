/**
 * Waits until `check` gives a value (anything but undefined or false) and resolves to it; fails with
 * `timed out waiting for <what>` after `timeoutMs`. For tests that wait on work running elsewhere (a
 * worker loop, a child process, a pool): they assert on what happened, never on how long it took.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
