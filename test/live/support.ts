/**
 * Live-update test helpers: an app with a chosen change hub (listening on a real port when asked),
 * and a Server-Sent Events client reading a real HTTP stream the way EventSource does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { DbHandle, Dialect } from '../../src/db/connect.js';
import { type AppConfig, buildApp } from '../../src/http/app.js';
import type { ChangeHub } from '../../src/live/hub.js';
import { createChangeHub } from '../../src/live/postgresHub.js';
import type { Clock, ServiceContext } from '../../src/services/context.js';
import { Client, TEST_CONFIG } from '../support/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

export interface LiveApp {
  app: FastifyInstance;
  ctx: ServiceContext;
  hub: ChangeHub;
  /** `http://127.0.0.1:<port>` once listening. */
  baseUrl: string;
  /** What the hub reported (lost connections, failed sends); tests expect none. */
  errors: unknown[];
  /** Closes the app, then its hub (not the database). */
  close(): Promise<void>;
}

/**
 * An app on `handle` with the hub the server would create for it (LISTEN/NOTIFY on PostgreSQL,
 * in-process on SQLite), listening on an ephemeral port.
 */
export async function startLiveApp(handle: DbHandle, url: string, options: { clock?: Clock; heartbeatMs?: number; config?: Partial<AppConfig> } = {}): Promise<LiveApp> {
  const errors: unknown[] = [];
  const hub = createChangeHub(handle, url, (error) => errors.push(error));
  await hub.ready();
  const { app, ctx } = await buildApp({
    handle,
    clock: options.clock ?? { now: () => Date.now() },
    config: { ...TEST_CONFIG, ...options.config },
    hub,
    liveHeartbeatMs: options.heartbeatMs,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    app,
    ctx,
    hub,
    baseUrl: `http://127.0.0.1:${address.port}`,
    errors,
    close: async () => {
      await app.close();
      await hub.close();
    },
  };
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Reads a text/event-stream response: events (comments counted apart), until closed. */
export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  ended = false;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  private buffer = '';
  private waiters: (() => void)[] = [];
  private response: IncomingMessage | null = null;
  private readonly request;

  constructor(url: string, cookie?: string) {
    this.request = httpRequest(url, { headers: { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) } }, (response) => {
      this.response = response;
      this.status = response.statusCode ?? 0;
      this.headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => this.feed(chunk));
      response.on('end', () => this.finish());
      response.on('close', () => this.finish());
      this.notify();
    });
    this.request.on('error', () => this.finish());
    this.request.end();
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      let event = 'message';
      const data: string[] = [];
      let isEvent = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments += 1;
        else if (line.startsWith('event:')) {
          event = line.slice(6).trim();
          isEvent = true;
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).trim());
          isEvent = true;
        }
      }
      if (isEvent) this.events.push({ event, data: data.join('\n') });
    }
    this.notify();
  }

  /** The parsed data of events named `event`. */
  data<T = Record<string, unknown>>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  /** Resolves once `check()` holds, rejects after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE client: timed out waiting for ${what}; got ${JSON.stringify(this.events).slice(-500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the `hello` event: from then on the stream is subscribed. */
  connected(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.events.some((e) => e.event === 'hello') || this.ended, timeoutMs, 'hello');
  }

  close(): void {
    this.response?.destroy();
    this.request.destroy();
  }
}

/** The Cookie header of a logged-in test Client. */
export function sessionCookie(value: string | undefined): string {
  if (!value) throw new Error('not logged in');
  return `hd_session=${encodeURIComponent(value)}`;
}

/**
 * A describe block's live desk: a fresh database of `dialect` and a live app on it (beforeAll),
 * closed with every stream opened through it (afterAll). `streamAs` logs a staff member in and
 * opens their `/agents/events/` stream, connected.
 */
export function liveDesk(dialect: Dialect, options: { heartbeatMs?: number } = {}): { live(): LiveApp; streamAs(username: string): Promise<SseClient> } {
  let database: TestDatabase;
  let live: LiveApp;
  const streams: SseClient[] = [];
  beforeAll(async () => {
    database = await freshDatabase(dialect);
    live = await startLiveApp(database.handle, database.url, options);
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await live.close();
    await database.drop();
  });
  return {
    live: () => live,
    async streamAs(username) {
      const client = new Client(live.app);
      await client.login(username);
      const stream = new SseClient(live.baseUrl + '/agents/events/', sessionCookie(client.cookie('hd_session')));
      streams.push(stream);
      await stream.connected();
      return stream;
    },
  };
}
