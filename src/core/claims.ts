/**
 * The lease of a worker's claim (emails, webhook deliveries): rows claimed together are worked a
 * few at a time, each try ending within `timeoutMs`, so the last turn starts after the others'
 * timeouts. A lease shorter than every turn's timeout could run out while a row is still being
 * sent, and another worker would claim it and send it again.
 */
export interface ClaimShape {
  timeoutMs: number;
  /** Rows one claim takes, at most. */
  claimed: number;
  /** Rows of a claim worked at once, at most. */
  atOnce: number;
}

/**
 * The lease: `given`, or a timeout for each turn and `spareMs` more for the records. Throws when
 * `given` would not outlast every turn.
 */
export function claimLeaseMs(shape: ClaimShape, spareMs: number, given?: number): number {
  const turns = Math.ceil(shape.claimed / shape.atOnce);
  const lease = given ?? shape.timeoutMs * turns + spareMs;
  if (shape.timeoutMs * turns >= lease) throw new Error(`a claim's lease (${lease} ms) must be longer than a timeout (${shape.timeoutMs} ms) for each of its ${turns} turns`);
  return lease;
}

/**
 * How long after its claim a row's try may still start, so that it ends within the lease with
 * half the lease's spare (what it holds beyond a timeout for each turn) left to record it. The
 * turns of a claim worked side by side start well before it (the last after a timeout for each
 * turn before it); a worker that works some rows one after another (one ticket's emails, in
 * order) stops there, leaving the rest claimed: they are taken again once the lease has run out,
 * never by a second worker while this one still sends them.
 */
export function lastTryStartMs(shape: ClaimShape, leaseMs: number): number {
  const turns = Math.ceil(shape.claimed / shape.atOnce);
  const spare = leaseMs - shape.timeoutMs * turns;
  return leaseMs - shape.timeoutMs - spare / 2;
}
