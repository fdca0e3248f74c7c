import type { ServiceContext } from '../../src/services/context.js';

/** How many tickets, messages, files, attachments and emails exist: "nothing written" is these unchanged. */
export async function countRows(ctx: ServiceContext): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['tickets', 'messages', 'files', 'attachments', 'outbox'] as const) {
    const row = await ctx.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
