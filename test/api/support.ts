/**
 * Helpers for the JSON API tests: a bearer-token client, staff with tokens, and a fast bulk seeder.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { NewTicketRow } from '../../src/db/schema.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createApiToken } from '../../src/services/tokens.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff } from '../support/app.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: LightMyRequestResponse['headers'];
}

/** Talks to the API as an integration would: JSON in and out, an optional bearer token, no cookies. */
export class ApiClient {
  constructor(
    private readonly app: FastifyInstance,
    readonly token: string | null = null,
  ) {}

  async request<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await this.app.inject({
      method,
      url,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
    return { status: response.statusCode, body: (isJson ? response.json() : response.body) as T, headers: response.headers };
  }

  get<T = any>(url: string) {
    return this.request<T>('GET', url);
  }

  post<T = any>(url: string, body?: unknown) {
    return this.request<T>('POST', url, body);
  }

  put<T = any>(url: string, body?: unknown) {
    return this.request<T>('PUT', url, body);
  }

  delete<T = any>(url: string) {
    return this.request<T>('DELETE', url);
  }

  patch<T = any>(url: string, body?: unknown) {
    return this.request<T>('PATCH', url, body);
  }
}

/** A staff account with an API token, and a client using it. */
export async function staffWithToken(app: FastifyInstance, ctx: ServiceContext, username: string, options: { role?: 'agent' | 'admin'; capacity?: number } = {}) {
  const id = await addStaff(ctx, username, options);
  const { token } = await createApiToken(ctx, id, `${username}'s script`);
  return { id, token, api: new ApiClient(app, token) };
}

/** An admin `root` and an available agent `alice`, each with an API client on its own token. */
export async function adminAndAvailableAgent(app: FastifyInstance, ctx: ServiceContext): Promise<{ admin: ApiClient; alice: ApiClient }> {
  const admin = (await staffWithToken(app, ctx, 'root', { role: 'admin' })).api;
  const agent = await staffWithToken(app, ctx, 'alice');
  await changePresence(ctx, agent.id, 'available');
  return { admin, alice: agent.api };
}

export const validTicket = { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is really on fire.', priority: 'medium' };

/** Inserts tickets straight into the table in chunks (no routing): for lists of hundreds or more. */
export async function seedTickets(ctx: ServiceContext, rows: Omit<NewTicketRow, 'token'>[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200).map((row, j) => ({ ...row, token: `seed-${i + j}-${Math.random().toString(36).slice(2)}` }));
    const inserted = await ctx.handle.db.insertInto('tickets').values(chunk).returning('id').execute();
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

/** Every item of a list, following next_cursor; fails on a page beyond `maxPages`. */
export async function walk<T = any>(client: ApiClient, url: string, maxPages = 1000): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages <= maxPages; pages++) {
    const separator = url.includes('?') ? '&' : '?';
    const response: ApiResponse = await client.get(cursor === null ? url : `${url}${separator}cursor=${encodeURIComponent(cursor)}`);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(response.body)}`);
    items.push(...response.body.items);
    cursor = response.body.next_cursor;
    if (cursor === null) return { items, pages };
  }
  throw new Error(`more than ${maxPages} pages`);
}
