/**
 * The staffing forecast (SPEC §14): reads the window's history in bounded queries, then replays it
 * in a worker thread (src/services/forecastWorker.mjs running src/core/forecast.ts), one at a time
 * per server process, so the event loop stays free for everyone else.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DomainError, invalidInput } from '../core/errors.js';
import { openStretches } from '../core/businessTime.js';
import { type ForecastJob, type ForecastResult, neededAgents } from '../core/forecast.js';
import { labelled } from '../core/fieldErrors.js';
import { agentCounts, checkForecastRequest, FORECAST_LABELS, type ForecastRequest } from '../core/forecastInput.js';
import { type FieldErrors, refuseFields } from '../core/checked.js';
import { PRIORITIES, type Priority } from '../core/tickets.js';
import { calendarOfVersion } from '../repositories/calendarVersions.js';
import { findCalendar } from '../repositories/calendars.js';
import { forecastAgents, teamExists, teamQueueOrder, ticketsOfWindow } from '../repositories/forecastHistory.js';
import { presenceChangesIn } from '../repositories/presenceHistory.js';
import { teamTimeline } from '../repositories/teamHistory.js';
import { membersOver } from '../core/teamHistory.js';
import { loadSettings } from '../repositories/settings.js';
import { teamCalendarOf } from '../core/teamSla.js';
import type { Db } from '../db/connect.js';
import type { ServiceContext } from './context.js';

/** At most this many tickets per window: a bounded read and a bounded replay (about 30 days of 100,000 with room). */
export const MAX_FORECAST_TICKETS = 250_000;
/** At most this many presence changes per backtest; a window with more has none. */
const MAX_PRESENCE_CHANGES = 200_000;
/**
 * The longest a forecast may replay: its cost grows with tickets × values of K × agents, so 50
 * values of K near 500 agents over a full window ran for many minutes, a core busy and every
 * other forecast refused meanwhile, while the browser (or a proxy's 60 s timeout) had given up.
 */
export const FORECAST_TIME_LIMIT_MS = 50_000;
/** How long after the window agents keep working the queue in the replay (a weekend and a holiday). */
const TAIL_MS = 7 * 86_400_000;

export interface ForecastAnswer {
  request: ForecastRequest & { capacity: number };
  tickets: number;
  /** The closed tickets whose holding times the replay draws from. */
  closedTickets: number;
  /** Why there is no backtest, when there is none: no presence history, or more of it than is read. */
  presenceTruncated: boolean;
  result: ForecastResult;
  elapsedMs: number;
}

/** The history a request replays, read in bounded queries. */
export async function loadForecastJob(ctx: ServiceContext, request: ForecastRequest, { maxPresenceChanges = MAX_PRESENCE_CHANGES } = {}): Promise<ForecastJob> {
  const db = ctx.handle.db;
  const now = ctx.clock.now();
  const settings = await loadSettings(db);
  const window = { from: request.from, to: request.to };
  const history = await ticketsOfWindow(db, window, request.teamId, MAX_FORECAST_TICKETS, now, (versionId) => calendarOfVersion(ctx.handle, db, versionId));
  if (history.truncated) throw invalidInput(labelled({ from: `More than ${MAX_FORECAST_TICKETS.toLocaleString('en')} tickets arrived in this window: choose a shorter one.` }, FORECAST_LABELS));
  if (history.arrivals.length === 0) throw invalidInput(labelled({ from: 'No ticket arrived in this window: choose one with tickets to replay.' }, FORECAST_LABELS));
  const holds: Record<Priority, number[]> = { high: [], medium: [], low: [] };
  history.arrivals.forEach((a, i) => {
    const hold = history.holds[i];
    if (hold !== null && hold !== undefined) holds[a.priority].push(hold);
  });
  if (PRIORITIES.every((p) => holds[p].length === 0)) throw invalidInput(labelled({ from: 'No ticket of this window was closed by an agent: there is no holding time to learn from.' }, FORECAST_LABELS));
  // K agents are on duty in the SLA calendar's open hours: one team's own calendar (§12) when it has one.
  const calendarId = await dutyCalendarId(db, settings.calendarId, request.teamId);
  const calendar = calendarId === null ? null : ((await findCalendar(db, calendarId))?.definition ?? null);
  // The teams as they were through the window (and the tail), changed by admins meanwhile; more
  // changes than are read: no backtest, as for presence.
  const teams = await teamTimeline(db, window.from, window.to + TAIL_MS, maxPresenceChanges);
  // One team's staffing: whoever was its member at some instant of the window, also one who left it since.
  const staff = request.teamId === null || teams === null ? await forecastAgents(db, request.teamId, window.from) : membersOver(await forecastAgents(db, null, window.from), teams, request.teamId);
  // More changes than are read: the backtest is left out rather than replayed with part of them.
  const { changes: presence, truncated } = await presenceChangesIn(db, staff.map((a) => a.id), window.from, window.to + TAIL_MS, maxPresenceChanges);
  const agentsSeen = new Set(truncated || teams === null ? [] : presence.map((p) => p.userId));
  return {
    arrivals: history.arrivals,
    holds,
    duty: openStretches(calendar, window.from, window.to + TAIL_MS),
    ks: agentCounts(request),
    capacity: request.capacity ?? settings.defaultCapacity,
    // One team's forecast replays its queue in its own order (§12); every team's, in the desk's.
    queueOrder: (request.teamId === null ? null : await teamQueueOrder(db, request.teamId)) ?? settings.queueOrder,
    targetPercent: request.targetPercent,
    seed: request.seed,
    actual:
      agentsSeen.size === 0
        ? null
        : {
            agents: staff.filter((a) => agentsSeen.has(a.id)).map((a) => ({ id: a.id, capacity: a.capacity ?? settings.defaultCapacity })),
            presence: presence.map((p) => ({ at: p.at, agentId: p.userId, presence: p.presence })),
            // Routed by the desk's teams and each agent's teams and skills as they were at each instant.
            world: teams!.initial,
            worldChanges: teams!.changes,
          },
    presenceTruncated: truncated || teams === null,
    window,
  };
}

/** The calendar agents are on duty by: the team's own when the forecast is of a team that has one, else the settings' (null: 24/7). */
async function dutyCalendarId(db: Db, deskCalendarId: number | null, teamId: number | null): Promise<number | null> {
  if (teamId === null) return deskCalendarId;
  const team = await db.selectFrom('teams').select(['own_calendar', 'calendar_id']).where('id', '=', teamId).executeTakeFirst();
  const calendar = team ? teamCalendarOf(team) : 'desk';
  return calendar === 'desk' ? deskCalendarId : calendar;
}

let running = false;

/**
 * Worker threads per forecast: one per core but one, which stays the server's (its event loop must
 * keep answering: on a busy 2-core machine two threads made the loop's p99 worse, not the answer
 * faster), at most 4.
 */
const WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));

/** The answer of a worker thread running runForecast on its job. */
function answerOf(worker: Worker): Promise<ForecastResult> {
  return new Promise<ForecastResult>((resolve, reject) => {
    worker.once('message', (result: ForecastResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The forecast's worker thread stopped (exit code ${code}) without an answer.`)));
  });
}

/**
 * One worker thread per job, their answers in order. When one fails, the others are stopped
 * before the failure is answered: their replays are wasted, and left running they would burn the
 * cores beside the next forecast, which the one-at-a-time rule would already let in.
 */
async function inThreads(jobs: readonly ForecastJob[], timeLimitMs: number): Promise<ForecastResult[]> {
  const workers = jobs.map((job) => new Worker(new URL('./forecastWorker.mjs', import.meta.url), { workerData: job }));
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(invalidInput(labelled({ k_max: `This forecast takes more than ${Math.round(timeLimitMs / 1000)} s: narrow the range of K, or choose a shorter window or a team.` }, FORECAST_LABELS))), timeLimitMs);
  });
  try {
    return await Promise.race([Promise.all(workers.map(answerOf)), tooLong]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Runs the job in worker threads, the values of K dealt out among them (each replays the same
 * tickets with the same holds: the draws depend on the seed alone, so the answer does not depend
 * on how many threads ran it); the first also runs the backtest. One forecast at a time per
 * process: a second one meanwhile is refused (409). One taking longer than `timeLimitMs` is stopped
 * and refused (400 on k_max).
 */
export async function runInWorker(job: ForecastJob, workers = WORKERS, timeLimitMs = FORECAST_TIME_LIMIT_MS): Promise<ForecastResult> {
  if (running) throw new DomainError('conflict', 'A forecast is already running on this server; try again when it has finished.');
  running = true;
  try {
    const threads = Math.max(1, Math.min(workers, job.ks.length));
    const shares = Array.from({ length: threads }, (_, i) => job.ks.filter((_k, j) => j % threads === i));
    const results = await inThreads(shares.map((ks, i) => ({ ...job, ks, actual: i === 0 ? job.actual : null })), timeLimitMs);
    const rows = results.flatMap((r) => r.rows).sort((a, b) => a.agents - b.agents);
    return { rows, neededAgents: neededAgents(rows, job.targetPercent), backtest: results[0]!.backtest };
  } finally {
    running = false;
  }
}

/**
 * POST /api/v1/forecast and the page: validates (with `typeErrors`, the fields the API's schema
 * refused: every problem in one answer), reads the history, replays it off the event loop.
 */
export async function forecastStaffing(ctx: ServiceContext, raw: Record<string, unknown>, typeErrors: FieldErrors = {}): Promise<ForecastAnswer> {
  const started = performance.now();
  const { value: request, fields } = checkForecastRequest(raw, ctx.clock.now()).with(typeErrors);
  const unknownTeam = fields.team === undefined && request.teamId !== null && !(await teamExists(ctx.handle.db, request.teamId));
  refuseFields(unknownTeam ? { ...fields, team: 'No team has this id.' } : fields, FORECAST_LABELS);
  const job = await loadForecastJob(ctx, request);
  const result = await runInWorker(job);
  const closedTickets = PRIORITIES.reduce((n, p) => n + job.holds[p].length, 0);
  return { request: { ...request, capacity: job.capacity }, tickets: job.arrivals.length, closedTickets, presenceTruncated: job.presenceTruncated ?? false, result, elapsedMs: Math.round(performance.now() - started) };
}
