import type { ServiceContext } from '../../src/services/context.js';

const COUNTED = ['tickets', 'messages', 'files', 'attachments', 'outbox'] as const;

/** How many tickets, messages, files, attachments and emails exist: "nothing written" is these unchanged. */
export async function countRows(ctx: ServiceContext): Promise<Record<(typeof COUNTED)[number], number>> {
  const counts = { tickets: 0, messages: 0, files: 0, attachments: 0, outbox: 0 };
  for (const table of COUNTED) {
    const row = await ctx.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
