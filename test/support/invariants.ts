/**
 * Checks SPEC §3's invariants on a database, and that the events table tells the same story as the
 * tickets table. Returns a list of violations (empty when all hold) so a failure says what broke.
 */
import type { AgentLoad } from '../../src/core/routing.js';
import { waitingWhileEligible } from '../../src/core/teams.js';
import type { Db } from '../../src/db/connect.js';
import { CLOSED_NOTE as REPLY_CLOSED_NOTE } from '../../src/mail/templates/reply.js';
import { loadSettings } from '../../src/repositories/settings.js';
import { loadAgentLoads } from '../../src/repositories/routingState.js';
import { loadTeamWorld } from '../../src/repositories/teamState.js';
import { teamTicketOf } from '../../src/repositories/tickets.js';

/**
 * I2 and team-I3 (§12) on one consistent snapshot (call inside the routing lock to see a committed
 * state): no agent above its capacity (one number across all its teams); no ticket waits while an
 * agent with room is a member of its team (or of its open overflow team) holding the skills it
 * still needs. Each waiting ticket is judged as of the last routing moment routing has handled for
 * it: with a routing_due_at still ahead, the instant before it; with none left, after them all.
 * So the check reads no clock, and a moment the due job has not reached yet is not a violation.
 */
export async function capacityViolations(db: Db): Promise<string[]> {
  const agents = await routedLoads(db);
  const problems: string[] = [];
  for (const a of agents) if (a.openCount > a.capacity) problems.push(`I2: agent ${a.id} holds ${a.openCount} > capacity ${a.capacity}`);
  return [...problems, ...(await queueViolations(db, agents))];
}

/** Every active agent's load as routing sees it, with the stored default capacity. */
export async function routedLoads(db: Db): Promise<AgentLoad[]> {
  const settings = await loadSettings(db);
  return loadAgentLoads(db, settings.defaultCapacity);
}

/**
 * Team-I3 alone (§12; with everyone in one team, I3 of §3): no ticket pending while an agent of its
 * team holding its skills has spare capacity. (I2 alone cannot be read off one snapshot where R6
 * or a lowered capacity may have left an agent above it; see test/model.)
 */
export async function queueViolations(db: Db, given?: readonly AgentLoad[]): Promise<string[]> {
  const agents = given ?? (await routedLoads(db));
  const problems: string[] = [];
  const pending = await db
    .selectFrom('tickets')
    .select(['id', 'created_at', 'sla_due_at', 'team_id', 'required_skills', 'routing_due_at'])
    .where('status', '=', 'open')
    .where('agent_id', 'is', null)
    .orderBy('id')
    .execute();
  if (pending.length === 0) return problems;
  const dueOf = new Map(pending.map((t) => [t.id, t.routing_due_at]));
  const world = await loadTeamWorld(db);
  const found = waitingWhileEligible(agents, world, pending.map(teamTicketOf), (t) => {
    const due = dueOf.get(t.id);
    return due === null || due === undefined ? Number.MAX_SAFE_INTEGER : Number(due) - 1;
  });
  for (const f of found.slice(0, 1)) problems.push(`I3: ticket ${f.ticketId} pending while agents ${f.agentIds.join(',')} of its team with its skills have room`);
  return problems;
}

/**
 * I1 and I4: replaying each ticket's events gives its current agent and status; every move names the
 * agent it came from; nothing happens to a closed ticket; the outbox holds exactly the §5 emails.
 * `afterTicketId`: only the tickets after it (a test that closed earlier ones by hand between runs).
 */
export async function historyViolations(db: Db, options: { afterTicketId?: number } = {}): Promise<string[]> {
  const problems: string[] = [];
  const after = options.afterTicketId ?? 0;
  const tickets = await db.selectFrom('tickets').select(['id', 'agent_id', 'status']).where('id', '>', after).orderBy('id').execute();
  const events = await db.selectFrom('ticket_events').selectAll().where('ticket_id', '>', after).orderBy('id').execute();
  const emails = await db.selectFrom('outbox').select(['ticket_id', 'kind', 'message_id', 'text_body']).$if(after > 0, (q) => q.where('ticket_id', '>', after)).execute();
  const messages = await db.selectFrom('messages').select(['id', 'ticket_id', 'kind', 'created_at']).where('ticket_id', '>', after).orderBy('id').execute();
  const messagesOf = new Map<number, typeof messages>();
  for (const m of messages) messagesOf.set(m.ticket_id, [...(messagesOf.get(m.ticket_id) ?? []), m]);
  const messageById = new Map(messages.map((m) => [m.id, m]));
  for (const m of emails) {
    if (m.kind !== 'reply') continue;
    const message = m.message_id === null ? undefined : messageById.get(m.message_id);
    if (message?.kind !== 'reply' || message.ticket_id !== m.ticket_id) problems.push(`outbox reply email for ticket ${m.ticket_id} carries ${message ? `a ${message.kind}` : 'no message'} (notes are never emailed)`);
  }
  const closingReplies = new Set(emails.filter((m) => m.kind === 'reply' && m.text_body.includes(REPLY_CLOSED_NOTE)).map((m) => m.ticket_id));
  const byTicket = new Map<number, typeof events>();
  for (const e of events) byTicket.set(e.ticket_id, [...(byTicket.get(e.ticket_id) ?? []), e]);
  const mailCount = new Map<string, number>();
  for (const m of emails) mailCount.set(`${m.ticket_id}:${m.kind}`, (mailCount.get(`${m.ticket_id}:${m.kind}`) ?? 0) + 1);

  for (const t of tickets) {
    const history = byTicket.get(t.id) ?? [];
    if (history[0]?.type !== 'created') {
      problems.push(`ticket ${t.id}: first event is ${history[0]?.type ?? 'missing'}`);
      continue;
    }
    let agent: number | null = history[0].to_agent_id;
    let status: 'open' | 'closed' = 'open';
    const expectedMail: Record<string, number> = { created: 1, assigned: 0, reassigned: 0, closed: 0 };
    const thread = messagesOf.get(t.id) ?? [];
    if (thread[0]?.kind !== 'customer') problems.push(`ticket ${t.id}: first message is ${thread[0]?.kind ?? 'missing'} (the description is the first customer message)`);
    expectedMail.reply = thread.filter((m) => m.kind === 'reply').length;
    for (const e of history.slice(1)) {
      if (status === 'closed' && e.type !== 'sla_breached') problems.push(`ticket ${t.id}: ${e.type} after closed (I1)`);
      if (e.type === 'created') problems.push(`ticket ${t.id}: created twice`);
      if (['assigned', 'reassigned', 'requeued'].includes(e.type)) {
        if (e.from_agent_id !== agent) problems.push(`ticket ${t.id}: ${e.type} from ${e.from_agent_id} but held by ${agent}`);
        if (e.type === 'assigned' && (agent !== null || e.to_agent_id === null)) problems.push(`ticket ${t.id}: bad assigned event`);
        if (e.type === 'reassigned' && (agent === null || e.to_agent_id === null)) problems.push(`ticket ${t.id}: bad reassigned event`);
        if (e.type === 'requeued' && e.to_agent_id !== null) problems.push(`ticket ${t.id}: requeued to an agent`);
        agent = e.to_agent_id;
      }
      if (e.type === 'closed') status = 'closed';
      // Reply and close (§9): the reply written in the closing transaction is the one email.
      // Reply and close sends one email, the reply saying the request is closed, instead of the
      // closed email. Told apart by that email (a reply merely sharing the millisecond with
      // someone else's close, which happens under load, says nothing of the kind).
      const closedByReply = e.type === 'closed' && closingReplies.has(t.id);
      if (e.type in expectedMail && !closedByReply) expectedMail[e.type]! += 1;
    }
    if (agent !== t.agent_id) problems.push(`ticket ${t.id}: events say agent ${agent}, row says ${t.agent_id}`);
    if (status !== t.status) problems.push(`ticket ${t.id}: events say ${status}, row says ${t.status}`);
    for (const [kind, n] of Object.entries(expectedMail)) {
      const sent = mailCount.get(`${t.id}:${kind}`) ?? 0;
      if (sent !== n) problems.push(`ticket ${t.id}: ${sent} ${kind} emails for ${n} events (I4)`);
    }
  }
  return problems;
}
