/**
 * A list's cursor stays right while the list changes between its pages (§8 cursor lists): new
 * tickets, messages, audit entries and agents arrive, and tickets are assigned, requeued, answered
 * and closed while a client walks page by page. Every item there from the start and still in the
 * list at the end comes exactly once, in the list's order; nothing comes twice. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, type ApiResponse, staffWithToken, validTicket } from './support.js';

type Item = { reference?: string; id?: number; username?: string };
const keyOf = (item: Item) => String(item.reference ?? item.username ?? item.id);

for (const dialect of DIALECTS) {
  describe(`cursors while the list changes (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let created = 0;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ana');
    });
    afterAll(() => t.close());

    const newTicket = async (title = 'Printer on fire') => (await admin.post('/api/v1/tickets', { ...validTicket, title: `${title} ${++created}` })).body.reference as string;

    /** Walks `url` two at a time, running `between` after each page; the keys in the order they came. */
    async function walkChanging(url: string, between: (page: number) => Promise<void>): Promise<string[]> {
      const keys: string[] = [];
      let cursor: string | null = null;
      for (let page = 1; page < 100; page++) {
        const separator = url.includes('?') ? '&' : '?';
        const response: ApiResponse = await admin.get(cursor === null ? `${url}${separator}limit=2` : `${url}${separator}limit=2&cursor=${encodeURIComponent(cursor)}`);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        keys.push(...response.body.items.map(keyOf));
        cursor = response.body.next_cursor;
        if (cursor === null) return keys;
        await between(page);
      }
      throw new Error('no last page');
    }

    /** The keys of the whole list, read at once. */
    const whole = async (url: string) => (await admin.get(`${url}${url.includes('?') ? '&' : '?'}limit=200`)).body.items.map(keyOf) as string[];

    it('tickets: new ones, moves, answers and closes between pages skip and repeat nothing', async () => {
      const references: string[] = [];
      for (let i = 0; i < 9; i++) references.push(await newTicket(i % 2 ? 'Printer on fire' : 'Scanner jammed'));
      for (const url of ['/api/v1/tickets', '/api/v1/tickets?state=pending', '/api/v1/tickets?q=printer', '/api/v1/tickets?status=open&priority=medium']) {
        const before = await whole(url);
        const changed = new Set<string>();
        const keys = await walkChanging(url, async (page) => {
          await newTicket(page % 2 ? 'Printer on fire' : 'Scanner jammed');
          // A ticket the walk has not reached yet, and one it has passed, each changed.
          const ahead = before[before.length - page]!;
          const behind = before[page - 1]!;
          for (const reference of [ahead, behind]) changed.add(reference);
          await admin.post(`/api/v1/tickets/${ahead}/assign`, { agent: page % 2 ? 'ana' : null });
          await admin.post(`/api/v1/tickets/${behind}/messages`, { kind: 'note', body: 'Printer checked.' });
          if (page === 2) await admin.post(`/api/v1/tickets/${before[before.length - 1]!}/close`);
        });
        const after = new Set(await whole(url));
        expect(new Set(keys).size, `${url}: repeated ${keys}`).toBe(keys.length);
        expect(keys.length, url).toBeGreaterThan(4);
        // Every ticket listed before and after the walk, and not changed in between, came (in the list's order).
        const stayed = before.filter((reference) => after.has(reference) && !changed.has(reference));
        expect(keys.filter((reference) => stayed.includes(reference)), url).toEqual(stayed);
      }
    });

    it('messages, audit entries and agents arriving between pages skip and repeat nothing', async () => {
      const reference = await newTicket();
      for (let i = 0; i < 6; i++) await admin.post(`/api/v1/tickets/${reference}/messages`, { kind: 'note', body: `Note ${i}` });
      for (let i = 0; i < 5; i++) await staffWithToken(t.app, t.ctx, `agent${i}`);
      const lists: [string, (page: number) => Promise<unknown>][] = [
        [`/api/v1/tickets/${reference}/messages`, (page) => admin.post(`/api/v1/tickets/${reference}/messages`, { kind: 'note', body: `Later ${page}` })],
        ['/api/v1/audit', (page) => admin.post('/api/v1/skills', { name: `Skill ${page}` })],
        ['/api/v1/agents', (page) => staffWithToken(t.app, t.ctx, `late${page}`)],
      ];
      for (const [url, change] of lists) {
        const before = await whole(url);
        const keys = await walkChanging(url, async (page) => void (await change(page)));
        expect(new Set(keys).size, `${url}: repeated ${keys}`).toBe(keys.length);
        expect(keys.length, url).toBeGreaterThan(4);
        expect(keys.filter((key) => before.includes(key)), url).toEqual(before);
      }
    });
  });
}
