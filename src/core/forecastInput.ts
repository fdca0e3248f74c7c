/**
 * A forecast request (SPEC §14) read from the API's JSON body or the page's query: the window,
 * the team, the range of K, the breach target, the capacity and the seed. Bad input is one 400
 * naming each field. Pure.
 */
import { accepted, Checked } from './checked.js';
import { type FieldLabels } from './fieldErrors.js';
import { MAX_CAPACITY } from './settings.js';

const DAY = 86_400_000;
/** At most this many agents per K. */
export const MAX_AGENTS = 500;
/** At most this many values of K per request (each is one replay of the whole window). */
export const MAX_K_VALUES = 50;
/** The longest window: a year (leap years included); a longer history says little about next week. */
export const MAX_WINDOW_DAYS = 366;

export interface ForecastRequest {
  from: number;
  /** Exclusive. A date alone means the end of that day. */
  to: number;
  teamId: number | null;
  kMin: number;
  kMax: number;
  targetPercent: number;
  /** Null: the configured default capacity. */
  capacity: number | null;
  seed: number;
}

export const FORECAST_LABELS: FieldLabels = {
  from: 'From',
  to: 'To',
  team: 'Team',
  k_min: 'Fewest agents',
  k_max: 'Most agents',
  target_percent: 'Breach target',
  capacity: 'Capacity',
  seed: 'Seed',
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO 8601 date-time: a day, hours and minutes, optional seconds and fraction, an optional offset. */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The first instant of a UTC day `2026-11-30`; null for a day the calendar has not (`2026-02-30`). */
function dayStart(text: string): number | null {
  const at = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text ? null : at;
}

/**
 * An instant from `2026-11-30` (UTC midnight; `endOfDay` the next one) or a full ISO date-time,
 * UTC when it names no offset: the times of the pages and the API are UTC, and Date.parse would
 * read it in the server process's own zone.
 */
function instant(raw: unknown, endOfDay: boolean): number | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const text = raw.trim();
  if (DATE_ONLY.test(text)) {
    const at = dayStart(text);
    return at === null ? null : at + (endOfDay ? DAY : 0);
  }
  const parts = DATE_TIME.exec(text);
  if (!parts || dayStart(parts[1]!) === null) return null;
  const at = Date.parse(parts[5] === undefined ? `${text}Z` : text);
  return Number.isNaN(at) ? null : at;
}

/** A whole number in [min, max] from a number or its text; undefined when absent or empty. */
function whole(raw: unknown, min: number, max: number): number | null | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function percent(raw: unknown): number | null | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null;
}

/** Reads a request, naming every bad field at once (whether the team exists is the service's question). `now` bounds the window. */
export function checkForecastRequest(raw: Record<string, unknown>, now: number): Checked<ForecastRequest> {
  const fields: Record<string, string> = {};
  const from = instant(raw.from, false);
  const to = instant(raw.to, true);
  if (from === null) fields.from = 'Enter a date such as 2026-11-01 (or an ISO date-time).';
  if (to === null) fields.to = 'Enter a date such as 2026-11-30 (or an ISO date-time).';
  if (from !== null && to !== null) {
    if (to <= from) fields.to = 'The window is empty: choose a date after From.';
    else if (to - from > MAX_WINDOW_DAYS * DAY) fields.to = `The window is longer than ${MAX_WINDOW_DAYS} days: choose a shorter one.`;
    else if (from >= now) fields.from = 'The window must start in the past: the forecast replays tickets that arrived.';
  }
  const team = whole(raw.team, 1, Number.MAX_SAFE_INTEGER);
  if (team === null) fields.team = 'Choose a team, or none for every team.';
  const kMin = whole(raw.k_min, 1, MAX_AGENTS);
  const kMax = whole(raw.k_max, 1, MAX_AGENTS);
  if (kMin === null) fields.k_min = `Enter a whole number of agents from 1 to ${MAX_AGENTS}.`;
  if (kMax === null) fields.k_max = `Enter a whole number of agents from 1 to ${MAX_AGENTS}.`;
  const low = kMin ?? 1;
  const high = kMax ?? Math.min(MAX_AGENTS, low + 9);
  if (kMin !== null && kMax !== null) {
    if (high < low) fields.k_max = 'Enter at least the fewest agents.';
    else if (high - low + 1 > MAX_K_VALUES) fields.k_max = `At most ${MAX_K_VALUES} values of K at once: narrow the range.`;
  }
  const target = percent(raw.target_percent);
  if (target === null) fields.target_percent = 'Enter a percentage from 0 to 100.';
  const capacity = whole(raw.capacity, 1, MAX_CAPACITY);
  if (capacity === null) fields.capacity = `Enter a whole number of tickets from 1 to ${MAX_CAPACITY}, or leave it empty for the default.`;
  const seed = whole(raw.seed, 0, 2 ** 32 - 1);
  if (seed === null) fields.seed = 'Enter a whole number from 0 to 4294967295.';
  // A refused field holds a stand-in.
  return new Checked({ from: from ?? 0, to: Math.min(to ?? 0, now), teamId: team ?? null, kMin: low, kMax: high, targetPercent: target ?? 5, capacity: capacity ?? null, seed: seed ?? 1 }, fields);
}

/** checkForecastRequest's request, or one invalid_input naming every bad field. */
export function parseForecastRequest(raw: Record<string, unknown>, now: number): ForecastRequest {
  return accepted(checkForecastRequest(raw, now), FORECAST_LABELS);
}

/** The values of K a request asks for. */
export function agentCounts(request: Pick<ForecastRequest, 'kMin' | 'kMax'>): number[] {
  return Array.from({ length: request.kMax - request.kMin + 1 }, (_, i) => request.kMin + i);
}
