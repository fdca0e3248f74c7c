/** Display helpers shared by pages. Times are epoch ms; pages show UTC, scripts localise. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-11-27 09:00 UTC`, or `2026-11-27 09:00:05 UTC` with seconds (see core/sla.ts showsSeconds). */
export function shortUtc(ms: number, seconds = false): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, seconds ? 19 : 16) + ' UTC';
}
