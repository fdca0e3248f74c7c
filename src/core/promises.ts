/**
 * A promise started now and awaited later, or never (a read-ahead a loop stops before using, a
 * lookup made on a guess that turned out wrong): its failure is raised where it is awaited, and is
 * no unhandled rejection (which ends the process) meanwhile. Returns the same promise.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * `work` applied to each item, at most `limit` at a time, in the items' order: the results in that
 * order. (A webhook endpoint's claimed deliveries: a claim takes several times what is posted to
 * one endpoint at once.)
 */
export async function eachAtMost<I, O>(items: readonly I[], limit: number, work: (item: I) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}

/** How `promise` settled, as Promise.allSettled tells it (with eachAtMost: every item runs, whatever fails). */
export function settledOf<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  );
}

/** Thrown by withinMs when the time ran out first. */
export class TimedOut extends Error {}

/**
 * `promise`, or a TimedOut rejection once `ms` have passed without it settling (the promise goes on;
 * a failure of it afterwards is no unhandled rejection).
 */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([awaitedLater(promise), expiry]).finally(() => clearTimeout(timer));
}

/**
 * `work`, with `controller` aborted if it has not ended within `graceMs`: a stopping worker's grace
 * for the sends and posts in flight, which watch the controller's signal.
 */
export async function abortingAfter<T>(controller: AbortController, graceMs: number, work: () => Promise<T>): Promise<T> {
  const grace = setTimeout(() => controller.abort(), graceMs);
  try {
    return await work();
  } finally {
    clearTimeout(grace);
  }
}

/** Settles when the signal is aborted (at once if it already is). */
export function abortedOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
