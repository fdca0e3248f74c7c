/**
 * Erlang C: the textbook answer for `servers` agents each working one ticket at a time, Poisson
 * arrivals and exponential holding times (M/M/c), used to check the forecast's simulator where the
 * formula is exact (test/forecast/erlang.test.ts).
 */

/**
 * The probability that an arrival has to wait, for `load` = arrival rate × mean holding time (in
 * erlangs). 1 when the load reaches the servers (the queue grows without end). Computed through
 * Erlang B's recurrence, which stays finite for hundreds of servers where factorials do not.
 */
export function erlangC(servers: number, load: number): number {
  if (!Number.isInteger(servers) || servers < 1) throw new RangeError('servers must be a whole number of at least 1');
  if (!(load >= 0)) throw new RangeError('load must be 0 or more');
  if (load >= servers) return 1;
  let blocking = 1;
  for (let k = 1; k <= servers; k++) blocking = (load * blocking) / (k + load * blocking);
  return (servers * blocking) / (servers - load * (1 - blocking));
}

/** Erlang C's mean wait of all arrivals (waiting or not), in the unit of `meanHold`. */
export function erlangMeanWait(servers: number, load: number, meanHold: number): number {
  if (load >= servers) return Number.POSITIVE_INFINITY;
  return (erlangC(servers, load) * meanHold) / (servers - load);
}
