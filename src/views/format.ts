/** Display helpers shared by pages. Times are epoch ms; pages show UTC, scripts localise. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

export function shortUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
