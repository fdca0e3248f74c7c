/** Helpers shared by the admin tests. */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { intakeTicket } from '../support/intake.js';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff, Client, type TestApp } from '../support/app.js';

/** An admin account `root`, logged in. */
export async function adminClient(t: TestApp, username = 'root'): Promise<{ client: Client; id: number }> {
  const id = await addStaff(t.ctx, username, { role: 'admin' });
  const client = new Client(t.app);
  const login = await client.login(username);
  expect(login.statusCode).toBe(303);
  return { client, id };
}

/** A logged-in agent (which makes it available: R2). */
export async function agentClient(t: TestApp, username: string): Promise<Client> {
  const client = new Client(t.app);
  const login = await client.login(username);
  expect(login.statusCode).toBe(303);
  return client;
}

/** A ticket through the real intake (R1); returns its id. */
export async function newTicket(ctx: ServiceContext, fields: Partial<Record<'name' | 'email' | 'title' | 'description' | 'priority', string>> = {}): Promise<number> {
  const ticket = await intakeTicket(ctx, { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is on fire.', priority: 'medium', ...fields });
  return ticket.id;
}

export async function holderOf(db: Db, ticketId: number): Promise<number | null> {
  const row = await db.selectFrom('tickets').select('agent_id').where('id', '=', ticketId).executeTakeFirstOrThrow();
  return row.agent_id;
}

export async function eventsOf(db: Db, ticketId: number) {
  return db.selectFrom('ticket_events').select(['type', 'from_agent_id', 'to_agent_id', 'actor_id']).where('ticket_id', '=', ticketId).orderBy('id').execute();
}

export async function emailKindsOf(db: Db, ticketId: number): Promise<string[]> {
  const rows = await db.selectFrom('outbox').select('kind').where('ticket_id', '=', ticketId).orderBy('id').execute();
  return rows.map((r) => r.kind);
}

/** The text of an HTML page with tags removed and whitespace collapsed, for "the user sees" checks. */
export function visibleText(response: LightMyRequestResponse): string {
  return response.body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');
}

/**
 * The dashboard alarms' scene: three tickets (high, medium, low) come 10 s apart while nobody is
 * online, then the clock moves 2 minutes, so the high one (1 minute) is overdue. Returns their ids.
 */
export async function threeWaitingOneOverdue(ctx: ServiceContext, clock: { advance(ms: number): void }, highTitle = 'Server down'): Promise<Record<'high' | 'medium' | 'low', number>> {
  const high = await newTicket(ctx, { priority: 'high', title: highTitle });
  clock.advance(10_000);
  const medium = await newTicket(ctx, { priority: 'medium', title: 'Slow page' });
  clock.advance(10_000);
  const low = await newTicket(ctx, { priority: 'low', title: 'Typo' });
  clock.advance(120_000);
  return { high, medium, low };
}

/** The ids of a record table's rows (`<tr data-id>`), in page order. */
export function rowIds(html: string): number[] {
  return [...html.matchAll(/<tr data-id="(\d+)"/g)].map((m) => Number(m[1]));
}

/** The HTML of the record table's row with `id` ('' when the page has none). */
export function rowOf(html: string, id: number): string {
  return new RegExp(`<tr data-id="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
}

/** The inner HTML of one cell of a record table's row (views/components.tsx RecordTable), found by its column title. */
export function cellOf(rowHtml: string, label: string): string {
  const match = new RegExp(`<td data-label="${label}"[^>]*><div class="cell">([\\s\\S]*?)</div></td>`).exec(rowHtml);
  if (!match) throw new Error(`no ${label} cell in ${rowHtml.slice(0, 200)}`);
  return match[1]!;
}
