/**
 * A whole app on a fresh real database, and a small cookie-keeping client that drives it the way a
 * browser does (through app.inject: the full Fastify pipeline, no socket).
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Dialect } from '../../src/db/connect.js';
import { type AppConfig, type AppDependencies, buildApp } from '../../src/http/app.js';
import type { OpenPages } from '../../src/live/openPages.js';
import type { Clock, ServiceContext } from '../../src/services/context.js';
import { createUser } from '../../src/services/users.js';
import { freshDatabase, type TestDatabase } from './db.js';

export const TEST_CONFIG: AppConfig = {
  secretKey: 'test-secret-key-test-secret-key-0123456789',
  publicUrl: 'http://helpdesk.test',
  sessionIdleMinutes: 480,
  rateLimit: false,
  production: false,
  // Close closes at once, as before the undo window (test/agents/close-undo*.test.ts set a window).
  closeUndoSeconds: 0,
};

export interface TestApp {
  app: FastifyInstance;
  ctx: ServiceContext;
  database: TestDatabase;
  /** Who has a page open in this app (auto-away). */
  openPages: OpenPages;
  close(): Promise<void>;
}

export async function startTestApp(dialect: Dialect, options: { clock?: Clock; config?: Partial<AppConfig>; onRoute?: AppDependencies['onRoute'] } = {}): Promise<TestApp> {
  const database = await freshDatabase(dialect);
  const { app, ctx, openPages } = await buildApp({
    handle: database.handle,
    ...(options.onRoute ? { onRoute: options.onRoute } : {}),
    clock: options.clock ?? { now: () => Date.now() },
    config: { ...TEST_CONFIG, ...options.config },
  });
  await app.ready();
  return {
    app,
    ctx,
    database,
    openPages,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Creates a staff account through the real service (password `password123`). */
/** Puts the app on a free port of 127.0.0.1 (for browsers and raw sockets); returns its base URL. */
export async function listenOnFreePort(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

export async function addStaff(ctx: ServiceContext, username: string, options: { role?: 'agent' | 'admin'; capacity?: number; displayName?: string } = {}): Promise<number> {
  return createUser(ctx, {
    username,
    display_name: options.displayName ?? username[0]!.toUpperCase() + username.slice(1),
    email: `${username}@team.test`,
    password: 'password123',
    role: options.role ?? 'agent',
    capacity: options.capacity === undefined ? '' : String(options.capacity),
  }, null);
}

/** Pulls the CSRF token out of a page's first form. */
/** The staff ticket form's `seen` (the newest message the page showed), or null without one. */
export function seenFrom(html: string): string | null {
  return /name="seen" value="(\d*)"/.exec(html)?.[1] ?? null;
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('page has no _csrf field');
  return match[1]!;
}

/** A browser-like client: keeps cookies, follows nothing automatically. */
export class Client {
  private cookies = new Map<string, string>();

  /** `remoteAddress`: the client's IP address as the server sees it (default 127.0.0.1). */
  constructor(
    private readonly app: FastifyInstance,
    private readonly options: { remoteAddress?: string } = {},
  ) {}

  private get from() {
    return this.options.remoteAddress ? { remoteAddress: this.options.remoteAddress } : {};
  }

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now()) || cookie.value === '';
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Drops every cookie, as a browser restart drops session cookies (the CSRF secret, the session). */
  forgetCookies(): void {
    this.cookies.clear();
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, cookies: Object.fromEntries(this.cookies), ...this.from });
    this.remember(response);
    return response;
  }

  /** Any request, with the client's cookies (multipart forms, other methods). */
  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ ...options, cookies: Object.fromEntries(this.cookies), ...this.from });
    this.remember(response);
    return response;
  }

  /** POSTs a urlencoded form as-is (no CSRF token added). */
  async post(url: string, fields: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      cookies: Object.fromEntries(this.cookies),
      ...this.from,
    });
    this.remember(response);
    return response;
  }

  /** Loads `pageUrl` for its CSRF token, then POSTs `fields` with it to `actionUrl` (default: the page). */
  async submit(pageUrl: string, fields: Record<string, string>, actionUrl = pageUrl): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    return this.post(actionUrl, { ...fields, _csrf: csrfFrom(page.body) });
  }

  async login(username: string, password = 'password123'): Promise<LightMyRequestResponse> {
    return this.submit('/agents/login/', { username, password });
  }
}

/** Submits the customer form and returns the new ticket's token (asserting the 303). */
export async function submitViaForm(client: Client, fields: Partial<Record<'name' | 'email' | 'title' | 'description' | 'priority', string>> = {}): Promise<string> {
  const response = await client.submit('/tickets/create/', {
    name: 'Carla Customer',
    email: 'carla@example.com',
    title: 'Printer on fire',
    description: 'It is really on fire.',
    priority: 'medium',
    ...fields,
  });
  if (response.statusCode !== 303) throw new Error(`expected 303, got ${response.statusCode}: ${response.body.slice(0, 500)}`);
  const location = String(response.headers.location);
  return decodeURIComponent(location.split('t=')[1]!);
}
