/**
 * Waiting in tests: poll a condition with a generous ceiling instead of sleeping a fixed time, so the
 * suite passes on a busy 2-core machine. The ceiling only bounds a hang; it is never the assertion.
 */

/** The default ceiling: long enough for any busy CI box; a failing wait names what it waited for. */
export const WAIT_CEILING_MS = 90_000;

/**
 * Resolve with the first truthy value `probe` gives (sync or async; a throw counts as not yet),
 * polling every `everyMs`; reject after `timeoutMs` naming `what`.
 */
export async function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? WAIT_CEILING_MS;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
  throw new Error(`gave up after ${timeoutMs} ms waiting for ${opts.what}${last ? `: ${String(last)}` : ''}`);
}

/** Resolve once `cond()` holds. */
export async function waitFor(cond: () => boolean | Promise<boolean>, opts: { what: string; timeoutMs?: number; everyMs?: number }): Promise<void> {
  await until(async () => ((await cond()) ? true : undefined), opts);
}
