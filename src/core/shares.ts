/**
 * How a share (0–1: SLA met, satisfaction, a breach rate) reads on the admin pages: a percentage
 * to one decimal, `66.7 %`. Pure; src/public/admin-dashboard.js (percent) writes the live updates
 * the same way.
 */

/**
 * `share` as `NN.N %`. Decision: a share below 1 never reads `100.0 %` and one above 0 never reads
 * `0.0 %` — 9,999 met of 10,000 is not "all met", and one breach in 20,000 tickets is not none —
 * so such a share is kept within `0.1 %`…`99.9 %` (rounding would make both claims).
 */
export function percentText(share: number): string {
  const tenths = Math.round(share * 1000);
  const kept = share > 0 && share < 1 ? Math.min(Math.max(tenths, 1), 999) : tenths;
  return `${(kept / 10).toFixed(1)} %`;
}

/** A share that may be undecided (nothing met or breached yet, nothing rated): an em dash then. */
export function shareText(share: number | null): string {
  return share === null ? '—' : percentText(share);
}
