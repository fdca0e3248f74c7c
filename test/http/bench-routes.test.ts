import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DIALECTS } from '../support/db.js';
import { changePresence } from '../../src/services/presence.js';
import { intakeTicket } from '../support/intake.js';
import { addStaff, startTestApp } from '../support/app.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const dialect of DIALECTS) {
  describe(`benchmark baseline route (${dialect})`, () => {
    it('does not exist unless BENCH_ROUTES is on, and then creates no table', async () => {
      const t = await startTestApp(dialect);
      try {
        const response = await t.app.inject({ method: 'POST', url: '/bench/scratch/', payload: 'title=x', headers: FORM });
        expect(response.statusCode).toBe(404);
        expect((await t.app.inject({ method: 'POST', url: '/bench/close-assigned/' })).statusCode).toBe(404);
        await expect(sql`select count(*) from bench_scratch`.execute(t.ctx.handle.db)).rejects.toThrow(/bench_scratch/);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, inserts one row per POST and answers 303 like the ticket form', async () => {
      const t = await startTestApp(dialect, { config: { benchRoutes: true } });
      try {
        for (const title of ['one', 'two']) {
          const response = await t.app.inject({ method: 'POST', url: '/bench/scratch/', payload: `title=${title}`, headers: FORM });
          expect(response.statusCode).toBe(303);
        }
        const { rows } = await sql<{ payload: string }>`select payload from bench_scratch order by id`.execute(t.ctx.handle.db);
        expect(rows.map((r) => r.payload)).toEqual(['one', 'two']);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, closes every assigned open ticket and leaves the queue alone', async () => {
      const t = await startTestApp(dialect, { config: { benchRoutes: true } });
      try {
        const agent = await addStaff(t.ctx, 'ana', { capacity: 1 });
        await changePresence(t.ctx, agent, 'available');
        const form = { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' };
        const [held, waiting] = [await intakeTicket(t.ctx, form), await intakeTicket(t.ctx, form)];
        expect([held.agent_id, waiting.agent_id]).toEqual([agent, null]);
        expect((await t.app.inject({ method: 'POST', url: '/bench/close-assigned/' })).statusCode).toBe(204);
        const rows = await t.ctx.handle.db.selectFrom('tickets').select(['id', 'status']).orderBy('id').execute();
        expect(rows.map((r) => r.status)).toEqual(['closed', 'open']);
      } finally {
        await t.close();
      }
    });
  });
}

describe('BENCH_ROUTES configuration', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };
  it('is off by default and on only when asked', () => {
    expect(loadConfig(base).benchRoutes).toBe(false);
    expect(loadConfig({ ...base, BENCH_ROUTES: 'on' }).benchRoutes).toBe(true);
  });
  it('is refused in production', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', BENCH_ROUTES: 'on' })).toThrow(/^Configuration error: BENCH_ROUTES /);
  });
});
