/**
 * The traffic of `bench:load --open-loop`: each arrival of the schedule (bench/lib/openLoop.ts) is
 * started at its scheduled time, whether or not earlier ones have been answered (open loop), and
 * each request's latency counts from when its operation was due, so a late start (the generator
 * busy, the event loop blocked) is charged to the request instead of being left out (no
 * coordinated omission). Agents are logged in and available before the first step; what an agent
 * holds is learned from its dashboard reads, which are part of the mix.
 */
import { type AgentAccount, HttpClient, random } from '../../test/support/load.js';
import { type Arrival, type ArrivalKind, achievedRate, arrivals, type Sample } from './openLoop.js';
import { quantile } from './report.js';

type Answer = Awaited<ReturnType<HttpClient['request']>>;
/** Sends one request of an operation and records it under `route`; null when no answer came. */
type Request = (route: string, send: () => Promise<Answer>, ok: number[], refused?: number[]) => Promise<Answer | null>;

interface AgentState {
  account: AgentAccount;
  client: HttpClient;
  csrf: string;
  /** Open tickets on its last dashboard read. */
  tickets: number[];
}

export interface StepResult {
  rate: number;
  seconds: number;
  samples: Sample[];
  offered: number;
  achieved: number;
  /** How late operations started after their scheduled time (the generator's own lag), p99 and max, ms. */
  lagP99: number;
  lagMax: number;
  /** Replies and closes with no ticket known to act on (no request sent). */
  skipped: number;
  /** Requests that got no answer in time (or a broken connection), by route. */
  unanswered: Record<string, number>;
  /** Answers outside the contract (5xx, or a status the route never gives here), one a line. */
  failures: string[];
}

export interface TrafficOptions {
  urls: string[];
  agents: AgentAccount[];
  admin: AgentAccount;
  /** A bearer token of the admin (API reads). */
  adminToken: string;
  seed: number;
  /** A request still unanswered after this is given up (counted unanswered). */
  timeoutMs: number;
}

/** A request outside the measurement (setting up): any other status than `ok` throws. */
const untimed: Request = async (route, send, ok) => {
  const answer = await send();
  if (!ok.includes(answer.status)) throw new Error(`${route}: ${answer.status} ${answer.text.slice(0, 200)}`);
  return answer;
};

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const ticketIdsOf = (html: string) => [...html.matchAll(/action="\/agents\/tickets\/(\d+)\/close\/"/g)].map((m) => Number(m[1]));
const PRIORITIES = ['high', 'medium', 'low'];

/** Agents and an admin logged in on the servers, ready to run steps of open-loop traffic. */
export class OpenLoopTraffic {
  /** Status tokens of every acknowledged creation (I5). */
  readonly accepted: string[] = [];
  /** Creations whose answer never came (they may or may not have committed). */
  unansweredCreations = 0;
  private readonly rnd: () => number;
  private turn = 0;
  private customer = 0;
  private agents: AgentState[] = [];
  private admin!: HttpClient;

  private constructor(private readonly options: TrafficOptions) {
    this.rnd = random(options.seed);
  }

  /** Logs every agent (they become available: tickets get assigned) and the admin in; not measured. */
  static async start(options: TrafficOptions): Promise<OpenLoopTraffic> {
    const traffic = new OpenLoopTraffic(options);
    for (const account of options.agents) {
      const { client, csrf } = await traffic.logIn(account);
      traffic.agents.push({ account, client, csrf, tickets: [] });
    }
    traffic.admin = (await traffic.logIn(options.admin)).client;
    return traffic;
  }

  /**
   * Creates `count` tickets through the API (20 at a time) and reads every agent's dashboard, so
   * that replies and closes have tickets to act on from the first step. Not measured.
   */
  async prefill(count: number): Promise<void> {
    for (let done = 0; done < count; done += 20) await Promise.all(Array.from({ length: Math.min(20, count - done) }, () => this.operation('create-api', untimed)));
    for (const agent of this.agents) await this.readDashboard(agent, untimed);
  }

  private url(): string {
    const urls = this.options.urls;
    return urls[this.turn++ % urls.length]!;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }

  /** GET the login page, POST the login form: a new client with its session and a CSRF token. */
  private async logIn(account: AgentAccount, send: Request = untimed): Promise<{ client: HttpClient; csrf: string }> {
    const client = new HttpClient(this.url());
    const page = await send('GET /agents/login/', () => client.request('GET', '/agents/login/', undefined, this.options.timeoutMs), [200]);
    const csrf = page ? csrfOf(page.text) : undefined;
    if (!csrf) throw new Error(`login page without a CSRF token`);
    client.baseUrl = this.url();
    const done = await send('POST /agents/login/', () => client.request('POST', '/agents/login/', { form: { username: account.username, password: account.password, _csrf: csrf } }, this.options.timeoutMs), [303]);
    if (!done || done.status !== 303) throw new Error(`login of ${account.username} answered ${done?.status ?? 'nothing'}`);
    return { client, csrf };
  }

  /**
   * One step: `rate` arrivals a second for `seconds`, then waits for every operation to finish.
   */
  async runStep(rate: number, seconds: number): Promise<StepResult> {
    const schedule = arrivals(rate, seconds);
    const samples: Sample[] = [];
    const failures: string[] = [];
    const unanswered: Record<string, number> = {};
    const lags: number[] = [];
    let skipped = 0;
    const doneAt: number[] = [];
    const t0 = performance.now() + 20;

    /** Times one request from `from`, records its answer as a sample; null when none came. */
    const timed = async (from: number, route: string, send: () => Promise<Answer>, ok: number[], refused: number[] = []): Promise<Answer | null> => {
      try {
        const answer = await send();
        const outcome = ok.includes(answer.status) ? 'ok' : refused.includes(answer.status) ? 'refused' : 'error';
        samples.push({ route, ms: performance.now() - from, outcome });
        if (outcome === 'error') failures.push(`${route}: ${answer.status} ${answer.text.slice(0, 200).replace(/\s+/g, ' ')}`);
        return answer;
      } catch (error) {
        samples.push({ route, ms: performance.now() - from, outcome: 'error' });
        const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        const key = `${route}: ${reason.replace(/\d+/g, 'N')}`;
        unanswered[key] = (unanswered[key] ?? 0) + 1;
        return null;
      }
    };

    const run = async (arrival: Arrival, due: number) => {
      // Only the operation's first request counts from the scheduled time; a second one (the form
      // after its page) from when it is sent, once the first is answered, as a browser does.
      let first = true;
      const request: Request = (route, send, ok, refused) => {
        const from = first ? due : performance.now();
        first = false;
        return timed(from, route, send, ok, refused);
      };
      if (!(await this.operation(arrival.kind, request))) skipped += 1;
      doneAt.push(performance.now() - t0);
    };

    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < schedule.length; ) {
      const now = performance.now();
      while (i < schedule.length && t0 + schedule[i]!.at <= now) {
        const due = t0 + schedule[i]!.at;
        lags.push(now - due);
        const operation = run(schedule[i]!, due).finally(() => inFlight.delete(operation));
        inFlight.add(operation);
        i++;
      }
      if (i < schedule.length) await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + schedule[i]!.at - performance.now())));
    }
    await Promise.all(inFlight);
    return {
      rate,
      seconds,
      samples,
      offered: schedule.length / seconds,
      achieved: achievedRate(doneAt, seconds),
      lagP99: quantile(lags, 0.99),
      lagMax: lags.length === 0 ? NaN : Math.max(...lags),
      skipped,
      unanswered,
      failures,
    };
  }

  /** Does one arrival's operation; false when it had nothing to act on (no request sent). */
  private async operation(kind: ArrivalKind, request: Request): Promise<boolean> {
    const timeout = this.options.timeoutMs;
    switch (kind) {
      case 'create-form':
      case 'create-api': {
        const i = this.customer++;
        const fields = { name: `Customer ${i}`, email: `c${i}@example.com`, title: `Open-loop ticket ${i}`, description: `My printer prints every page twice (${i}).`, priority: PRIORITIES[i % PRIORITIES.length]! };
        const client = new HttpClient(this.url());
        if (kind === 'create-api') {
          const answer = await request('POST /api/v1/tickets', () => client.request('POST', '/api/v1/tickets', { json: fields }, timeout), [201]);
          this.acknowledge(answer, answer?.status === 201 ? (JSON.parse(answer.text) as { token: string }).token : null);
          return true;
        }
        const page = await request('GET /tickets/create/', () => client.request('GET', '/tickets/create/', undefined, timeout), [200]);
        const csrf = page ? csrfOf(page.text) : undefined;
        if (!csrf) return true;
        client.baseUrl = this.url();
        const answer = await request('POST /tickets/create/', () => client.request('POST', '/tickets/create/', { form: { ...fields, _csrf: csrf } }, timeout), [303]);
        this.acknowledge(answer, answer?.status === 303 ? decodeURIComponent(/[?&]t=([^&]+)/.exec(answer.location ?? '')?.[1] ?? '') : null);
        return true;
      }
      case 'reply':
      case 'close': {
        const holding = this.agents.filter((a) => a.tickets.length > 0);
        if (holding.length === 0) return false;
        const agent = this.pick(holding);
        const id = this.pick(agent.tickets);
        const client = agent.client;
        client.baseUrl = this.url();
        if (kind === 'reply') {
          // Refused answers: the ticket moved to another agent or was closed since the dashboard read.
          await request('POST /agents/tickets/:id/messages/', () => client.request('POST', `/agents/tickets/${id}/messages/`, { form: { kind: 'reply', body: 'Thank you, we are looking into it and will write again today.', _csrf: agent.csrf } }, timeout), [303], [403, 404, 409]);
          return true;
        }
        agent.tickets = agent.tickets.filter((t) => t !== id);
        await request('POST /agents/tickets/:id/close/', () => client.request('POST', `/agents/tickets/${id}/close/`, { form: { _csrf: agent.csrf } }, timeout), [303], [403, 404]);
        return true;
      }
      case 'agent-dashboard':
        await this.readDashboard(this.pick(this.agents), request);
        return true;
      case 'admin-dashboard':
        this.admin.baseUrl = this.url();
        await request('GET /adminapp/dashboard/', () => this.admin.request('GET', '/adminapp/dashboard/', undefined, timeout), [200]);
        return true;
      case 'api-tickets':
      case 'api-stats': {
        const path = kind === 'api-tickets' ? '/api/v1/tickets' : '/api/v1/stats';
        const url = this.url();
        await request(`GET ${path}`, () => bearerGet(url + path, this.options.adminToken, timeout), [200]);
        return true;
      }
      case 'login': {
        // An agent signs in again (another browser): the new session replaces the bench's old one,
        // which stays valid. A failed login leaves the agent on its old session.
        const agent = this.pick(this.agents);
        try {
          const { client, csrf } = await this.logIn(agent.account, request);
          agent.client = client;
          agent.csrf = csrf;
        } catch {
          // Recorded by `request` already.
        }
        return true;
      }
    }
  }

  /** The agent's dashboard: what it holds now, and a fresh CSRF token. */
  private async readDashboard(agent: AgentState, request: Request): Promise<void> {
    const client = agent.client;
    client.baseUrl = this.url();
    const page = await request('GET /agents/dashboard/', () => client.request('GET', '/agents/dashboard/', undefined, this.options.timeoutMs), [200]);
    if (page?.status === 200) {
      agent.tickets = ticketIdsOf(page.text);
      agent.csrf = csrfOf(page.text) ?? agent.csrf;
    }
  }

  /** An empty token (acknowledged without one) is kept too: the I5 check reports it missing. */
  private acknowledge(answer: Answer | null, token: string | null): void {
    if (answer === null) this.unansweredCreations += 1;
    else if (token !== null) this.accepted.push(token);
  }
}

/** A GET with a bearer token (the API never reads cookies). */
async function bearerGet(url: string, token: string, timeoutMs: number): Promise<Answer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}
