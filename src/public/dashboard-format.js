// How the admin dashboard's live updates write its figures, in the page's own words (a module of
// admin-dashboard.js, which the server-rendered page matches).

/** Same wording as resolutionText in src/views/adminapp.tsx: `45 s`, `1 min 30 s`, `2 h 5 min`, `3 d 4 h`. */
export function span(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  const two = (big, bigUnit, small, smallUnit) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 48 * 3600) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return two(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

/** Same as shareText in src/core/shares.ts: below 1 never `100.0 %`, above 0 never `0.0 %`. */
export function percent(share) {
  if (share === null) return '—';
  const tenths = Math.round(share * 1000);
  const kept = share > 0 && share < 1 ? Math.min(Math.max(tenths, 1), 999) : tenths;
  return `${(kept / 10).toFixed(1)} %`;
}

/** Same wording as src/views/adminapp.tsx (resolutionText) and src/core/shares.ts (percentText, shareText). */
export function format(path, value) {
  if (path === 'sla.breach_rate' || path.endsWith('.met_share') || path.endsWith('csat.score')) return percent(value);
  if (path.startsWith('resolution.') || path.startsWith('first_response.')) return span(value);
  return String(value);
}
