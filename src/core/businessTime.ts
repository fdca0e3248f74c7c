/**
 * Business-time arithmetic over a calendar (§11). Pure; instants are epoch milliseconds.
 *
 * When a calendar is open is defined in `calendar.ts`: an instant's local wall-clock time in the
 * calendar's zone lies in an interval of a local day that is not a holiday (intervals belong to the
 * day they start on). The `null` calendar (`24/7`) is always open and costs plain arithmetic.
 *
 * Method, exact to the millisecond. Split time into pieces of constant UTC offset `o` (between two
 * zone transitions). Inside a piece an instant `t` shows the wall-clock time `t + o`, so the open
 * instants of the piece are the calendar's open wall-clock spans (days and holidays only, no time
 * zone at all) shifted back by `o`. Skipped wall-clock times (spring forward) belong to no piece;
 * repeated ones (fall back) belong to two pieces and are open twice. Walking the pieces in order,
 * and each piece's local days in order, yields the open stretches in increasing order.
 *
 * Zone transitions come from Luxon (`IANAZone.offset`), found by sampling the offset once a day and
 * bisecting to the minute where it changes. This relies on two facts of the tz database for the years
 * that matter (2000–2100): transitions fall on whole minutes, and two changes that undo each other
 * are never less than a day apart. The transitions are cached per zone in 32-day chunks: the first
 * use of a chunk costs about 33 + 11 per transition offset look-ups (~0.3 ms), later uses a map look-up.
 *
 * Horizon: `nextOpening` and `addBusinessTime` look at most {@link HORIZON_MS} (3653 days, ten
 * years) past their start and answer null beyond it. The walk skips a whole week in one addition
 * when its local days hold no holiday and lie in one offset piece; other days cost one step each
 * (near holidays, transitions and the 32-day chunk edges). A ten-year walk (a one-hour-a-week
 * calendar asked for a year of business time) takes ~1,500 steps, about 0.1 ms once the zone's
 * offsets are cached (the first such walk also samples ten years of offsets: ~40 ms, once per zone).
 * A typical target on a 9–17 calendar takes 2–5 µs. `businessTimeBetween` has no horizon; its cost
 * grows the same way with the span.
 *
 * Compiled calendars (interval tables, holiday days) are cached per definition object (a WeakMap)
 * and by content (a definition loaded afresh costs one JSON.stringify): treat definitions as
 * immutable.
 */
import { IANAZone } from 'luxon';
import { WEEKDAYS, type CalendarDefinition, type Holiday, type SlaCalendar } from './calendar.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far `nextOpening` and `addBusinessTime` look ahead: 3653 calendar days (ten years). */
export const HORIZON_MS = 3653 * DAY;
/** Zone offsets are cached in chunks of this length (a whole number of days and minutes). */
const CHUNK = 32 * DAY;
/** Holiday days are cached in blocks of this many local days. */
const HOLIDAY_BLOCK = 512;

/** Offsets of one 32-day chunk: the offset at its start, then each change inside it. */
interface OffsetChunk {
  end: number;
  /** [instant, offset in ms from this instant on]; the first row is the chunk's start. */
  steps: [number, number][];
}

interface ZoneOffsets {
  zone: IANAZone;
  chunks: Map<number, OffsetChunk>;
}

/** One yearly holiday by month-day: month (0-based) and day of its first and last date. */
interface YearlyHoliday {
  from: [number, number];
  to: [number, number];
  /** The last date falls in the next year (Dec 24 – Jan 1). */
  wraps: boolean;
}

interface CompiledCalendar {
  offsets: ZoneOffsets;
  /** Per weekday (0 = Monday): [start, end) in ms after local midnight, sorted; end may pass midnight. */
  spans: number[][];
  weekOpenMs: number;
  /** One-off holidays as [first, last] local day numbers (days since 1970-01-01). */
  dated: [number, number][];
  yearly: YearlyHoliday[];
  holidayBlocks: Map<number, Uint8Array>;
}

const zoneCache = new Map<string, ZoneOffsets>();
const compiled = new WeakMap<CalendarDefinition, CompiledCalendar>();
const compiledByContent = new Map<string, CompiledCalendar>();
/** Calendars are few; past this many distinct contents the content cache starts afresh. */
const MAX_COMPILED_BY_CONTENT = 64;

function zoneOffsets(name: string): ZoneOffsets {
  let found = zoneCache.get(name);
  if (!found) {
    const zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`Unknown time zone ${name}.`);
    found = { zone, chunks: new Map() };
    zoneCache.set(name, found);
  }
  return found;
}

function offsetMs(zone: IANAZone, at: number): number {
  return zone.offset(at) * MINUTE;
}

/** Samples the chunk's offset once a day and bisects each change to its minute. */
function buildChunk(zone: IANAZone, start: number): OffsetChunk {
  const end = start + CHUNK;
  const steps: [number, number][] = [[start, offsetMs(zone, start)]];
  let lo = start;
  let loOffset = steps[0]![1];
  for (let sample = start + DAY; sample <= end; sample += DAY) {
    const sampleOffset = offsetMs(zone, sample);
    // Several changes in one day (never seen in practice) are found one after another.
    while (sampleOffset !== loOffset) {
      let hi = sample;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (offsetMs(zone, mid) === loOffset) lo = mid;
        else hi = mid;
      }
      if (hi === end) break; // the change opens the next chunk
      lo = hi;
      loOffset = offsetMs(zone, hi);
      steps.push([hi, loOffset]);
    }
    lo = sample;
    loOffset = sampleOffset;
  }
  return { end, steps };
}

/** The offset at `at` and the end of the stretch from `at` on where it holds. */
function offsetPiece(offsets: ZoneOffsets, at: number): { offset: number; end: number } {
  const index = Math.floor(at / CHUNK);
  let chunk = offsets.chunks.get(index);
  if (!chunk) {
    chunk = buildChunk(offsets.zone, index * CHUNK);
    offsets.chunks.set(index, chunk);
  }
  const { steps } = chunk;
  let i = 0;
  while (i + 1 < steps.length && steps[i + 1]![0] <= at) i++;
  return { offset: steps[i]![1], end: i + 1 < steps.length ? steps[i + 1]![0] : chunk.end };
}

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month, day) / DAY;
}

function parseDate(date: string): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return [y, m - 1, d];
}

function compile(definition: CalendarDefinition): CompiledCalendar {
  const spans = WEEKDAYS.map((day) =>
    definition.hours[day].flatMap(({ start, end }) => [start * MINUTE, (end > start ? end : end + 1440) * MINUTE]),
  );
  const weekOpenMs = spans.reduce((sum, day) => sum + day.reduce((s, v, i) => s + (i % 2 ? v : -v), 0), 0);
  const dated: [number, number][] = [];
  const yearly: YearlyHoliday[] = [];
  for (const holiday of definition.holidays) compileHoliday(holiday, dated, yearly);
  return { offsets: zoneOffsets(definition.timeZone), spans, weekOpenMs, dated, yearly, holidayBlocks: new Map() };
}

function compileHoliday(holiday: Holiday, dated: [number, number][], yearly: YearlyHoliday[]): void {
  const [fy, fm, fd] = parseDate(holiday.from);
  const [ty, tm, td] = parseDate(holiday.to);
  if (holiday.yearly) yearly.push({ from: [fm, fd], to: [tm, td], wraps: ty > fy });
  else dated.push([dayNumber(fy, fm, fd), dayNumber(ty, tm, td)]);
}

function compiledFor(definition: CalendarDefinition): CompiledCalendar {
  let found = compiled.get(definition);
  if (!found) {
    // A definition loaded afresh (a new object with the same content) reuses the compiled form.
    const key = JSON.stringify(definition);
    found = compiledByContent.get(key);
    if (!found) {
      if (compiledByContent.size >= MAX_COMPILED_BY_CONTENT) compiledByContent.clear();
      found = compile(definition);
      compiledByContent.set(key, found);
    }
    compiled.set(definition, found);
  }
  return found;
}

/** Marks `first..last` (day numbers) in a block starting at day `base`. */
function mark(bits: Uint8Array, base: number, first: number, last: number): void {
  for (let day = Math.max(first, base); day <= Math.min(last, base + bits.length - 1); day++) bits[day - base] = 1;
}

/** Holiday flags for the block of local days holding `day`, built on first use. */
function holidayBlock(calendar: CompiledCalendar, day: number): Uint8Array {
  const index = Math.floor(day / HOLIDAY_BLOCK);
  let bits = calendar.holidayBlocks.get(index);
  if (bits) return bits;
  bits = new Uint8Array(HOLIDAY_BLOCK);
  const base = index * HOLIDAY_BLOCK;
  for (const [first, last] of calendar.dated) mark(bits, base, first, last);
  const firstYear = new Date(base * DAY).getUTCFullYear();
  const lastYear = new Date((base + HOLIDAY_BLOCK) * DAY).getUTCFullYear();
  for (const { from, to, wraps } of calendar.yearly) {
    for (let year = firstYear - 1; year <= lastYear; year++) {
      const toYear = wraps ? year + 1 : year;
      // By month-day: Feb 29 starts on Mar 1 and ends on Feb 28 in years without it.
      const last = Math.min(dayNumber(toYear, to[0], to[1]), dayNumber(toYear, to[0] + 1, 0));
      mark(bits, base, dayNumber(year, from[0], from[1]), last);
    }
  }
  calendar.holidayBlocks.set(index, bits);
  return bits;
}

function isHoliday(calendar: CompiledCalendar, day: number): boolean {
  if (calendar.dated.length === 0 && calendar.yearly.length === 0) return false;
  return holidayBlock(calendar, day)[day - Math.floor(day / HOLIDAY_BLOCK) * HOLIDAY_BLOCK] === 1;
}

/** Receives the open stretches of a walk in increasing order. */
interface Visitor {
  /** Open instants [from, to); true ends the walk. */
  open(from: number, to: number): boolean;
  /** Offered a whole week of `ms` open time ending before the walk's end; true takes it (skipped). */
  week(ms: number): boolean;
}

/** Local day number → weekday index, 0 = Monday (1970-01-01 was a Thursday). */
function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Visits the calendar's open stretches in [from, to), in order. */
function walk(calendar: CompiledCalendar, from: number, to: number, visitor: Visitor): void {
  let at = from;
  while (at < to) {
    const piece = offsetPiece(calendar.offsets, at);
    const offset = piece.offset;
    const pieceEnd = Math.min(piece.end, to);
    const localFrom = at + offset;
    const localTo = pieceEnd + offset;
    // Start one day early: yesterday's interval may run past midnight.
    for (let day = Math.floor(localFrom / DAY) - 1; day * DAY < localTo; day++) {
      const dayStart = day * DAY;
      if (dayStart >= localFrom && dayStart + 8 * DAY <= localTo && quietWeek(calendar, day) && visitor.week(calendar.weekOpenMs)) {
        day += 6;
        continue;
      }
      if (isHoliday(calendar, day)) continue;
      const spans = calendar.spans[weekday(day)]!;
      for (let i = 0; i < spans.length; i += 2) {
        const open = Math.max(dayStart + spans[i]!, localFrom);
        const close = Math.min(dayStart + spans[i + 1]!, localTo);
        if (open < close && visitor.open(open - offset, close - offset)) return;
      }
    }
    at = pieceEnd;
  }
}

/** No holiday among the seven days from `day`. */
function quietWeek(calendar: CompiledCalendar, day: number): boolean {
  for (let d = day; d < day + 7; d++) if (isHoliday(calendar, d)) return false;
  return true;
}

function checkInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite instant, got ${value}.`);
}

/** True when the calendar is open at `at`. */
export function isOpenAt(calendar: SlaCalendar, at: number): boolean {
  if (calendar === null) return true;
  checkInstant('at', at);
  let open = false;
  walk(compiledFor(calendar), at, at + 1, { open: () => (open = true), week: () => false });
  return open;
}

/** The first open instant at or after `at` (`at` itself when open); null when none within the horizon. */
export function nextOpening(calendar: SlaCalendar, at: number): number | null {
  if (calendar === null) return at;
  checkInstant('at', at);
  let found: number | null = null;
  walk(compiledFor(calendar), at, at + HORIZON_MS, {
    open: (from) => {
      found = from;
      return true;
    },
    week: () => false,
  });
  return found;
}

/**
 * The calendar's open stretches [open, close) within [from, to), in order, touching ones merged
 * (an interval past midnight, back-to-back intervals): when staff on this calendar are on duty.
 */
export function openStretches(calendar: SlaCalendar, from: number, to: number): [number, number][] {
  if (to <= from) return [];
  if (calendar === null) return [[from, to]];
  checkInstant('from', from);
  checkInstant('to', to);
  const stretches: [number, number][] = [];
  walk(compiledFor(calendar), from, to, {
    open: (a, b) => {
      const last = stretches[stretches.length - 1];
      if (last && last[1] === a) last[1] = b;
      else stretches.push([a, b]);
      return false;
    },
    week: () => false,
  });
  return stretches;
}

/** Open milliseconds in [from, to); 0 when `to` is not after `from`. */
export function businessTimeBetween(calendar: SlaCalendar, from: number, to: number): number {
  if (calendar === null) return to > from ? to - from : 0;
  checkInstant('from', from);
  checkInstant('to', to);
  let total = 0;
  walk(compiledFor(calendar), from, to, {
    open: (a, b) => {
      total += b - a;
      return false;
    },
    week: (ms) => {
      total += ms;
      return true;
    },
  });
  return total;
}

/**
 * The earliest instant T with businessTimeBetween(start, T) = amountMs: counting starts at the
 * next opening when `start` is closed, and a target that ends with an interval ends at its close.
 * Null when not reached within the horizon. `amountMs` 0 gives `start`.
 */
export function addBusinessTime(calendar: SlaCalendar, start: number, amountMs: number): number | null {
  if (calendar === null) return start + amountMs;
  checkInstant('start', start);
  if (!Number.isFinite(amountMs) || amountMs < 0) throw new RangeError(`amountMs must be a duration of 0 or more, got ${amountMs}.`);
  if (amountMs === 0) return start;
  let left = amountMs;
  let due: number | null = null;
  walk(compiledFor(calendar), start, start + HORIZON_MS, {
    open: (a, b) => {
      if (b - a < left) {
        left -= b - a;
        return false;
      }
      due = a + left;
      return true;
    },
    week: (ms) => {
      if (ms >= left) return false;
      left -= ms;
      return true;
    },
  });
  return due;
}
