/**
 * A load driver that talks to real server processes over HTTP the way browsers and integrations do
 * (customers through the form with its CSRF token, or the public JSON API; agents logging in, going
 * away, coming back, closing tickets from their dashboard and logging out), and the checks of SPEC
 * §3's invariants afterwards. Used by the reliability tests (small) and `npm run bench:load` (big).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { inRoutingTransaction } from '../../src/db/transaction.js';
import { capacityViolations, historyViolations } from './invariants.js';
import { pgAdmin, TEST_PG_URL } from './db.js';
import { type ServerProcess, spawnServer } from './process.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic random stream, so a failing run can be replayed with its seed. */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

// -- a browser-like HTTP client over fetch ---------------------------------------------------------

/** Keeps cookies by name (one site), sends them back, follows no redirect. */
export class HttpClient {
  private readonly cookies = new Map<string, string>();

  /** `headers`: sent with every request (an `x-forwarded-for` naming the client behind a trusted proxy). */
  constructor(
    public baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      const expired = value === '' || attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Holds a cookie as if the server had set it (one copied from another browser, or altered). */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  /** `multipart`: a form with files, sent as a browser does (fetch writes its boundary and type). */
  async request(method: string, path: string, body?: { form?: Record<string, string>; json?: unknown; multipart?: FormData }, timeoutMs = 60_000): Promise<{ status: number; location: string | null; text: string }> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: string | FormData | undefined;
    if (body?.multipart) {
      payload = body.multipart;
    } else if (body?.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body.form).toString();
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    this.remember(response);
    return { status: response.status, location: response.headers.get('location'), text: await response.text() };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** The page's CSRF token (its cookie is kept). */
  async csrf(path = '/tickets/create/'): Promise<string> {
    const page = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
    if (!match) throw new Error(`${path} answered ${page.status} without a CSRF token`);
    return match[1]!;
  }
}

// -- the driver ---------------------------------------------------------------------------------------

export interface AgentAccount {
  username: string;
  password: string;
}

export interface LoadOptions {
  /** Base URLs of the server processes; each virtual user picks one at random. */
  urls: () => string[];
  /** Ticket creations to make (ignored while `until` is given: then creations go on until it says stop). */
  tickets: number;
  /** At most this many creations in flight at once (the rest wait their turn). */
  concurrency: number;
  agents: AgentAccount[];
  /**
   * Rounds of each agent's life (dashboard, closes, away and back, sometimes a logout and login):
   * at least this many, and on until the last creation is answered.
   */
  agentRounds: number;
  /** Share of creations through the JSON API instead of the form. */
  apiShare?: number;
  /** Topics (§12) the creations name in turn; none: the field is left out. */
  topics?: readonly string[];
  seed?: number;
  /** Continuous mode (crash tests): keep creating and acting until this returns true. */
  until?: () => boolean;
  /** Called after each acknowledged creation with the ticket's status token. */
  onAccepted?: (token: string) => void;
}

export interface LoadResult {
  /** Status tokens of every ticket acknowledged with 303 (form) or 201 (API): durable by I5. */
  accepted: string[];
  /** Answers by request kind and status, e.g. `create-form 303`. */
  answers: Record<string, number>;
  /** Requests that got no answer (connection refused or reset: a server was killed). */
  unanswered: Record<string, number>;
  /** Answers that break the contract (5xx, or a status the step never expects). */
  failures: string[];
  requests: number;
  /** Milliseconds per answered request, by kind. */
  latencies: Record<string, number[]>;
  closes: number;
  doubleCloses: number;
  elapsedMs: number;
  /** Until the last creation was answered. */
  creationMs: number;
}

const PRIORITIES = ['high', 'medium', 'low', 'HIGH', 'Low'];

/** Runs customers and agents against the servers; never throws for an answer, records it. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const rnd = random(options.seed ?? 1);
  const result: LoadResult = { accepted: [], answers: {}, unanswered: {}, failures: [], requests: 0, latencies: {}, closes: 0, doubleCloses: 0, elapsedMs: 0, creationMs: 0 };
  const started = performance.now();
  const pick = () => {
    const urls = options.urls();
    return urls[Math.floor(rnd() * urls.length)]!;
  };
  const continuous = options.until !== undefined;
  const done = () => (options.until ? options.until() : false);

  /** One request: counted, and a network error recorded as unanswered (returns null). */
  const call = async <T>(kind: string, work: () => Promise<T & { status: number }>, expected: number[]): Promise<(T & { status: number }) | null> => {
    result.requests += 1;
    const sent = performance.now();
    try {
      const response = await work();
      (result.latencies[kind] ??= []).push(performance.now() - sent);
      result.answers[`${kind} ${response.status}`] = (result.answers[`${kind} ${response.status}`] ?? 0) + 1;
      if (!expected.includes(response.status)) result.failures.push(`${kind}: ${response.status} ${'text' in response ? String((response as { text: unknown }).text).slice(0, 300) : ''}`);
      return response;
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      const key = `${kind}: ${reason.replace(/\d+/g, 'N')}`;
      result.unanswered[key] = (result.unanswered[key] ?? 0) + 1;
      return null;
    }
  };

  /** Returns whether the server answered (false: it is down; the caller backs off). */
  const customer = async (i: number): Promise<boolean> => {
    const client = new HttpClient(pick());
    const fields = { name: `Customer ${i}`, email: `c${i}@example.com`, title: `Load ticket ${i}`, description: `Help with ${i}`, priority: PRIORITIES[i % PRIORITIES.length]!, ...(options.topics?.length ? { topic: options.topics[i % options.topics.length]! } : {}) };
    if (rnd() < (options.apiShare ?? 0.3)) {
      const response = await call('create-api', () => client.request('POST', '/api/v1/tickets', { json: fields }), [201]);
      if (response?.status === 201) accept((JSON.parse(response.text) as { token: string }).token);
      return response !== null;
    }
    const page = await call('form-page', () => client.get('/tickets/create/'), [200]);
    const csrf = page ? /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] : undefined;
    if (!csrf) return false;
    // The page may come from one process and the form go to another (or to the same one restarted):
    // the token holds wherever the SECRET_KEY is the same.
    client.baseUrl = pick();
    const response = await call('create-form', () => client.request('POST', '/tickets/create/', { form: { ...fields, _csrf: csrf } }), [303]);
    if (response?.status === 303) accept(decodeURIComponent(/[?&]t=([^&]+)/.exec(response.location ?? '')?.[1] ?? ''));
    return response !== null;
  };
  const accept = (token: string) => {
    if (!token) {
      result.failures.push('an acknowledged creation without a status token');
      return;
    }
    result.accepted.push(token);
    options.onAccepted?.(token);
  };

  let customersDone = false;
  const customers = (async () => {
    let next = 0;
    const worker = async () => {
      for (;;) {
        if (continuous ? done() : next >= options.tickets) return;
        const i = next++;
        const answered = await customer(i);
        if (continuous) await sleep(answered ? Math.floor(rnd() * 20) : 100 + Math.floor(rnd() * 100));
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    customersDone = true;
    result.creationMs = performance.now() - started;
  })();

  const agentLife = async (account: AgentAccount) => {
    let client = new HttpClient(pick());
    const login = async () => {
      client = new HttpClient(pick());
      const page = await call('login-page', () => client.get('/agents/login/'), [200]);
      const csrf = page ? /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] : undefined;
      if (!csrf) return false;
      const response = await call('login', () => client.request('POST', '/agents/login/', { form: { username: account.username, password: account.password, _csrf: csrf } }), [303]);
      return response?.status === 303;
    };
    let loggedIn = await login();
    for (let round = 0; continuous ? !done() : round < options.agentRounds || !customersDone; round++) {
      if (!loggedIn) {
        await sleep(50 + Math.floor(rnd() * 100));
        loggedIn = await login();
        continue;
      }
      // Each step may land on another process: sessions live in the database.
      client.baseUrl = pick();
      const dashboard = await call('dashboard', () => client.get('/agents/dashboard/'), [200]);
      if (!dashboard) {
        // The server is down (a crash test): wait for it rather than spin.
        await sleep(100 + Math.floor(rnd() * 100));
        continue;
      }
      const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard.text)?.[1];
      if (!csrf) {
        result.failures.push(`dashboard without a form for ${account.username}`);
        loggedIn = false;
        continue;
      }
      const ids = [...dashboard.text.matchAll(/action="\/agents\/tickets\/(\d+)\/close\/"/g)].map((m) => m[1]!);
      for (const id of ids.slice(0, 1 + Math.floor(rnd() * 2))) {
        const close = () => call('close', () => client.request('POST', `/agents/tickets/${id}/close/`, { form: { _csrf: csrf } }), [303, 403]);
        // Sometimes twice at once (a double click): both 303, one closes, the other is a no-op (I1).
        if (rnd() < 0.15) {
          const [a, b] = await Promise.all([close(), close()]);
          result.doubleCloses += 1;
          if (a?.status === 303 || b?.status === 303) result.closes += 1;
        } else if ((await close())?.status === 303) result.closes += 1;
      }
      const roll = rnd();
      if (roll < 0.25) {
        await call('away', () => client.request('POST', '/agents/availability/', { form: { status: 'away', _csrf: csrf } }), [303]);
        await sleep(Math.floor(rnd() * 60));
        await call('available', () => client.request('POST', '/agents/availability/', { form: { status: 'available', _csrf: csrf } }), [303]);
      } else if (roll < 0.4) {
        await call('logout', () => client.request('POST', '/agents/logout/', { form: { _csrf: csrf } }), [303]);
        await sleep(Math.floor(rnd() * 60));
        loggedIn = await login();
      }
      await sleep(Math.floor(rnd() * 40));
    }
    // Leave every agent logged in and available, so the end state is a settled one to check.
    if (!loggedIn) await login();
  };

  await Promise.all([customers, ...options.agents.map(agentLife)]);
  // 403 on close is expected only in a race (the ticket moved to another agent between the page and
  // the click: R3 balancing); it is counted among the answers, not as a failure.
  result.elapsedMs = performance.now() - started;
  return result;
}

// -- databases and checks ---------------------------------------------------------------------------

export interface BlankDatabase {
  dialect: Dialect;
  /** DATABASE_URL for server processes. */
  url: string;
  /** A handle for the checks, opened on demand (after the servers have migrated the database). */
  open(): DbHandle;
  drop(): Promise<void>;
}

/**
 * An empty database, not migrated: a new SQLite file, or a new schema in PostgreSQL. The server
 * processes migrate it at start (several at once: Kysely's migration lock).
 */
export async function blankDatabase(dialect: Dialect): Promise<BlankDatabase> {
  let handle: DbHandle | undefined;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-load-'));
    const url = `sqlite:${join(dir, 'helpdesk.sqlite')}`;
    return {
      dialect,
      url,
      open: () => (handle ??= connect(url)),
      drop: async () => {
        await handle?.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `load_${randomBytes(6).toString('hex')}`;
  await pgAdmin(`create schema ${schema}`);
  const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    dialect,
    url,
    open: () => (handle ??= connect(url, { poolSize: 4 })),
    drop: async () => {
      await handle?.destroy();
      await pgAdmin(`drop schema ${schema} cascade`);
    },
  };
}

/** Tokens of `accepted` that have no ticket (I5: must be empty). */
export async function missingTickets(handle: DbHandle, accepted: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (let i = 0; i < accepted.length; i += 500) {
    const rows = await handle.db.selectFrom('tickets').select('token').where('token', 'in', accepted.slice(i, i + 500)).execute();
    for (const row of rows) found.add(row.token);
  }
  return accepted.filter((token) => !found.has(token));
}

/** I1–I5 on the database as it is now: every violation as a line (empty when all hold). */
export async function invariantViolations(handle: DbHandle, accepted: string[]): Promise<string[]> {
  const problems: string[] = [];
  if (new Set(accepted).size !== accepted.length) problems.push('I5: the same status token was handed out twice');
  for (const token of await missingTickets(handle, accepted)) problems.push(`I5: ticket ${token} was acknowledged but does not exist`);
  problems.push(...(await inRoutingTransaction(handle, (trx) => capacityViolations(trx))));
  problems.push(...(await historyViolations(handle.db)));
  return problems;
}

/** Watches I2 and I3 on committed states (inside the routing lock) until stopped. */
export function watchCapacity(handle: DbHandle, everyMs = 50): { stop(): Promise<{ checks: number; violations: string[] }> } {
  let running = true;
  let checks = 0;
  const violations: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        violations.push(...(await inRoutingTransaction(handle, (trx) => capacityViolations(trx))));
        checks += 1;
      } catch (error) {
        // The database may be briefly locked or a process gone: skip this look.
        if (!(error instanceof Error) || !/busy|locked|terminat|ECONN/i.test(error.message)) throw error;
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { checks, violations };
    },
  };
}

/** Outbox rows by status. */
export async function outboxByStatus(handle: DbHandle): Promise<Record<string, number>> {
  const rows = await handle.db.selectFrom('outbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Waits until no email is pending or being sent (or the time is up); returns the counts. */
export async function waitForOutbox(handle: DbHandle, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await outboxByStatus(handle);
    if (((counts.pending ?? 0) === 0 && (counts.sending ?? 0) === 0) || Date.now() > deadline) return counts;
    await sleep(200);
  }
}

/** A blank database and `processes` real server processes on it, for the surrounding describe. */
export interface ServersOnBlankDatabase {
  database(): BlankDatabase;
  servers(): ServerProcess[];
}

/**
 * Registers the describe's hooks: before its tests a blank `dialect` database and `processes`
 * server processes on it (rate limits off, admin password `admin-password`, and `env`); after them
 * the processes stopped (SIGTERM) and the database dropped.
 */
export function serversOnBlankDatabase(dialect: Dialect, processes: number, env: Record<string, string> = {}): ServersOnBlankDatabase {
  let database: BlankDatabase;
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await blankDatabase(dialect);
    servers = await Promise.all(Array.from({ length: processes }, () => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', ...env })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGTERM')));
    await database?.drop();
  });
  return { database: () => database, servers: () => servers };
}
