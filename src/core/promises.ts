/**
 * A promise started now and awaited later, or never (a read-ahead a loop stops before using, a
 * lookup made on a guess that turned out wrong): its failure is raised where it is awaited, and is
 * no unhandled rejection (which ends the process) meanwhile. Returns the same promise.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
