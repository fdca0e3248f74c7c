/**
 * What both modes of `bench:load` share: real server processes on one blank database with agents
 * registered (the rig), and the checks once the traffic has stopped (SPEC §3's I1–I5, the outbox
 * delivered once, every acknowledged ticket stored).
 */
import type { DbHandle, Dialect } from '../../src/db/connect.js';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from '../../test/support/app.js';
import { type AgentAccount, type BlankDatabase, blankDatabase, invariantViolations, waitForOutbox } from '../../test/support/load.js';
import { type ServerProcess, spawnServer } from '../../test/support/process.js';

export const ADMIN = { username: 'admin', password: 'admin-password' };

/** The capacity of the rig's i-th agent: 2, 3, 4, 5, 2, … */
export const agentCapacity = (i: number) => 2 + (i % 4);

export interface LoadRig {
  dialect: Dialect;
  database: BlankDatabase;
  servers: ServerProcess[];
  handle: DbHandle;
  ctx: ServiceContext;
  /** Registered (not logged in), capacities 2–5. */
  agents: AgentAccount[];
  /** Stops the processes and drops the database. */
  stop(): Promise<void>;
}

/** `processes` server processes (rate limits off) on a new database, and `agentCount` agents. */
export async function startRig(dialect: Dialect, processes: number, agentCount: number): Promise<LoadRig> {
  const database = await blankDatabase(dialect);
  let servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill('SIGTERM')));
    await database.drop();
  };
  try {
    console.log(`\n== ${dialect}: starting ${processes} server processes on one empty database`);
    servers = await Promise.all(Array.from({ length: processes }, () => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT: 'off' }, { timeoutMs: 120_000 })));
    const handle = database.open();
    const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
    const agents: AgentAccount[] = [];
    for (let i = 0; i < agentCount; i++) {
      await addStaff(ctx, `agent${i}`, { capacity: agentCapacity(i) });
      agents.push({ username: `agent${i}`, password: 'password123' });
    }
    return { dialect, database, servers, handle, ctx, agents, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Settled {
  problems: string[];
  outbox: Record<string, number>;
}

/**
 * The checks after a run: I1–I5 on the whole database, the acknowledged tickets stored (at most
 * `unansweredCreations` more: creations whose answer never came may or may not have committed),
 * every email sent, each at the first try.
 */
export async function settledProblems(handle: DbHandle, accepted: string[], unansweredCreations = 0): Promise<Settled> {
  const outbox = await waitForOutbox(handle, 120_000);
  const problems = await invariantViolations(handle, accepted);
  const stored = Number((await handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  if (stored < accepted.length || stored > accepted.length + unansweredCreations) {
    problems.push(`${stored} tickets stored for ${accepted.length} acknowledged${unansweredCreations > 0 ? ` and ${unansweredCreations} unanswered` : ''}`);
  }
  if ((outbox.pending ?? 0) + (outbox.sending ?? 0) + (outbox.failed ?? 0) > 0) problems.push(`outbox not delivered: ${JSON.stringify(outbox)}`);
  const resent = await handle.db.selectFrom('outbox').select('id').where('attempts', '>', 1).execute();
  if (resent.length > 0) problems.push(`${resent.length} emails needed more than one try`);
  return { problems, outbox };
}

/** At most 30 problems, one a line, and how many more. */
export function printProblems(problems: readonly string[]): void {
  for (const problem of problems.slice(0, 30)) console.log(`  ! ${problem}`);
  if (problems.length > 30) console.log(`  ! … and ${problems.length - 30} more`);
}
