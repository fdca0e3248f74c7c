/**
 * The presence expiry job in its own process, for the multi-process tests: `tsx expiry-process.ts
 * <DATABASE_URL> <now> <idleMinutes>` runs two passes at once at `now` and prints their results and
 * the presence changes it announced.
 */
import { connect } from '../../../src/db/connect.js';
import { expireIdleSessions } from '../../../src/services/auth.js';

const [databaseUrl, now, idleMinutes] = process.argv.slice(2);
if (!databaseUrl || !now || !idleMinutes) throw new Error('usage: expiry-process.ts <DATABASE_URL> <now> <idleMinutes>');
const handle = connect(databaseUrl);
try {
  const announced: number[] = [];
  const ctx = { handle, clock: { now: () => Number(now) }, publicUrl: 'http://helpdesk.test', onPresence: (agentId: number) => announced.push(agentId) };
  const results = await Promise.all([expireIdleSessions(ctx, Number(idleMinutes)), expireIdleSessions(ctx, Number(idleMinutes))]);
  process.stdout.write(JSON.stringify({ results, announced }) + '\n');
} finally {
  await handle.destroy();
}
