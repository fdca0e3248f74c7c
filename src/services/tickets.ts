import { actingAs, auditRun, type RequestOrigin } from './audit.js';
import { nextWideningAt, planTeamFollowUp, planTeamIntake, skillsOfTopic, skillsText, type StoredSkill, type TeamTicket, type TopicRule } from '../core/teams.js';
import { forbidden, notFound } from '../core/errors.js';
import { clocksAtCreation, IDLE_CLOCKS } from '../core/slaClocks.js';
import { ticketClockOf } from '../core/teamSla.js';
import { type NewTicketInput, type Priority, referenceOf } from '../core/tickets.js';
import { openFollowUp } from '../core/conversation.js';
import type { Db } from '../db/connect.js';
import type { MessageChannel, TicketRow } from '../db/schema.js';
import { renderEmail } from '../mail/templates/index.js';
import { type IncomingFile, type MessageFiles, storeFilesOfMessages } from '../repositories/attachments.js';
import { insertEvent } from '../repositories/events.js';
import { type InboundRecord, insertInboundMails } from '../repositories/inbound.js';
import { firstMessageIdOf } from '../repositories/messages.js';
import { writeIntake } from '../repositories/intake.js';
import { findTeamByNameOrId } from '../repositories/teams.js';
import { followUpsOf, markClosed, queueHead } from '../repositories/tickets.js';
import type { ServiceContext } from './context.js';
import { mailDataOf, mailSiteOfRun, notifyCustomer } from './notifications.js';
import { addCopiedPeople, type MailCcs } from './ticketCcs.js';
import { createdWebhookEvents } from './webhooks.js';
import { lockTicketInRun, pullAndBalance, type RoutingRun, updateAgent, withRouting } from './routing.js';
import { clocksForClose } from './slaClocks.js';
import { randomBase64url } from './random.js';
import { type RefusedMail, refuseOverCap, uncapped } from './intakeCap.js';

/** 192 random bits, URL-safe: the customer's key to the status page. */
export function newTicketToken(): string {
  return randomBase64url(24);
}

/** A follow-up not created: the closed ticket has an open one (`followUpId`), which takes the message instead. */
export class FollowUpOpen extends Error {
  constructor(readonly followUpId: number) {
    super(`HD-${followUpId} is an open follow-up of the same request`);
    this.name = 'FollowUpOpen';
  }
}

/**
 * A validated ticket as intake hands it in: with the submission's request key, when it has one,
 * the channel its description came by (default `web`), and for a follow-up (§9) the closed ticket
 * it follows.
 */
export type IntakeInput = NewTicketInput & {
  intakeKey?: string;
  channel?: MessageChannel;
  /** A follow-up's closed ticket: its id, agent and team (§9: the follow-up keeps the team). */
  followUpOf?: { id: number; agentId: number | null; teamId: number | null };
  /** The topic (§12) as intake resolved it; absent or unknown by now: the first topic not hidden. */
  topicId?: number | null;
  /** Files sent with the description (the form's `attachments`, §10.1): stored on the first message. */
  files?: readonly IncomingFile[];
  /**
   * The mail the ticket came from (§10): its inbound log row, written in this transaction (so the
   * ticket and the record that the mail was handled commit together), its key kept on the first message.
   */
  mail?: InboundRecord;
  /** The people the mail copied (§10 Cc), kept on the ticket in this transaction. */
  ccs?: MailCcs;
  /** With `mail`: rule 7's INBOUND_TICKETS_PER_HOUR, read again in this transaction (services/intakeCap.ts). */
  senderCap?: number;
};

/** A new ticket as routing sees it (its place in the batch as id), with the topic and skills it stores. */
interface RoutedInput {
  ticket: TeamTicket;
  topic: TopicRule | undefined;
  skills: StoredSkill[];
  /** Its team's name, as the API and the webhooks answer. */
  teamName: string | null;
}

/** A new ticket's clock columns: its team's own targets and calendar where it has them (§12), else the desk's. */
function clocksOfTeam(run: RoutingRun, teamId: number, now: number, priority: Priority) {
  const { settings, clock } = ticketClockOf(run.settings, run.clock, run.teamClocks.get(teamId));
  return clocksAtCreation(now, priority, settings, clock);
}

/**
 * Each input's topic (the one resolved by intake, else the first not hidden), hence its team and
 * skills; a follow-up's team is `keptTeam`, the closed ticket's while it exists (§9), though its
 * topic may route to another team by now.
 */
function routedIntake(inputs: readonly IntakeInput[], topics: readonly TopicRule[], now: number, keptTeam?: { id: number; name: string }): RoutedInput[] {
  const byId = new Map(topics.map((t) => [t.id, t]));
  const fallback = topics.find((t) => !t.hidden) ?? topics[0];
  return inputs.map((input, i) => {
    const topic = (input.topicId == null ? undefined : byId.get(input.topicId)) ?? fallback;
    const skills = topic ? skillsOfTopic(topic) : [];
    const team = keptTeam ?? (topic ? { id: topic.teamId, name: topic.teamName } : undefined);
    // New tickets are planned in arrival order, never sorted, so their deadline plays no part.
    const ticket = { id: i, createdAt: now, slaDueAt: now, teamId: team?.id ?? 1, skills: skills.map((s) => ({ skillId: s.id, optionalAfterMs: s.after })) };
    return { ticket, topic, skills, teamName: team?.name ?? null };
  });
}

/**
 * A ticket as intake stored it; with the id of its inbound log row when it came from a mail, and
 * the names the API answers with (its agent's username, its team's and topic's names) as the
 * routing transaction knew them at its commit. A ticket found stored after a failed write
 * (TicketIntake's retry) has no `names`: its caller reads them.
 */
export type CreatedTicket = TicketRow & { mailId?: number; names?: TicketNames };

/** What the API shows of a ticket beyond its row (ticketQueries' TicketListRow). */
export interface TicketNames {
  agent_username: string | null;
  team_name: string | null;
  topic_name: string | null;
}

/**
 * R1 for validated tickets, in arrival order, in one routing transaction: each stored with its SLA
 * deadline, given at once to the best-ranked agent with room while nobody is waiting (else it
 * joins the queue), with its `created` event and the customer's `created` email (naming the agent).
 * Every statement covers all the tickets, so a batch costs about what one ticket costs. Returned
 * tickets are committed, hence durable (I5). On PostgreSQL their ids are reserved with the routing
 * state, inside the lock, so ids follow commit order across processes (see repositories/intake.ts).
 * A mail over its sender's cap (rule 7, counted inside the lock) is logged `rejected` instead
 * (createTicketsOrRefuse, what intake writes with).
 */
export async function createTickets(ctx: ServiceContext, inputs: readonly IntakeInput[]): Promise<CreatedTicket[]> {
  return (await createTicketsOrRefuse(ctx, inputs)).map(uncapped);
}

/** createTickets, answering a mail the cap refused with its refusal. */
export async function createTicketsOrRefuse(ctx: ServiceContext, submitted: readonly IntakeInput[]): Promise<(CreatedTicket | RefusedMail)[]> {
  if (submitted.length === 0) return [];
  return withRouting(
    ctx,
    null,
    async (run) => {
      const { trx, now } = run;
      const refusals = await refuseOverCap(trx, submitted);
      const inputs = submitted.filter((_, i) => refusals[i] === null);
      const followUp = inputs.length === 1 ? inputs[0]!.followUpOf : undefined;
      if (inputs.length > 1 && inputs.some((i) => i.followUpOf)) throw new Error('A follow-up is created on its own, not in a batch.');
      // One open follow-up at a time (§9, openFollowUp): checked under the routing lock, which every
      // follow-up is created under, so two messages at once cannot both open one.
      const open = followUp ? openFollowUp(await followUpsOf(trx, followUp.id)) : null;
      if (open) throw new FollowUpOpen(open.id);
      const keptTeam = followUp?.teamId == null ? undefined : await findTeamByNameOrId(trx, String(followUp.teamId));
      const routed = routedIntake(inputs, run.topics, now, keptTeam);
      // Ids of the plan are the tickets' places in the batch (the rows have none yet).
      // §9: the closed ticket's agent only while nobody waits in the queue of the follow-up's team.
      const teamQueueWaiting = followUp !== undefined && run.queueWaiting && (await queueHead(trx, 'oldest', 1, [routed[0]!.ticket.teamId])).length > 0;
      const plan = followUp
        ? planTeamFollowUp(run.agents, routed[0]!.ticket, followUp.agentId, run.rule, now, teamQueueWaiting)
        : planTeamIntake(run.agents, routed.map((r) => r.ticket), run.rule, now);
      const rows = inputs.map((input, i) => {
        const agentId = plan.agentIds[i]!;
        const { ticket, topic, skills } = routed[i]!;
        return {
          token: newTicketToken(),
          customer_name: input.name,
          customer_email: input.email,
          title: input.title,
          description: input.description,
          priority: input.priority,
          status: 'open' as const,
          agent_id: agentId,
          created_at: now,
          assigned_at: agentId === null ? null : now,
          closed_at: null,
          ...IDLE_CLOCKS,
          ...clocksOfTeam(run, ticket.teamId, now, input.priority),
          intake_key: input.intakeKey ?? null,
          waiting_on: 'agent' as const,
          first_response_at: null,
          follow_up_of: input.followUpOf?.id ?? null,
          close_due_at: null,
          close_requested_by: null,
          csat_score: null,
          csat_comment: null,
          csat_rated_at: null,
          team_id: ticket.teamId,
          topic_id: topic?.id ?? null,
          required_skills: skillsText(skills),
          routing_due_at: agentId === null ? nextWideningAt(ticket, run.world.teams, now) : null,
        };
      });
      const names = rows.map((row, i): TicketNames => {
        const { topic, teamName } = routed[i]!;
        return { agent_username: row.agent_id === null ? null : (run.agentUsernames.get(row.agent_id) ?? null), team_name: teamName, topic_name: topic?.name ?? null };
      });
      const tickets = await writeIntake(trx, rows, run.newTicketIds, (stored) => ({
        events: stored.map((t) => ({ ticket_id: t.id, type: 'created', at: now, from_agent_id: null, to_agent_id: t.agent_id, actor_id: null })),
        messages: stored.map((t, i) => ({
          ticket_id: t.id,
          kind: 'customer',
          author_id: null,
          author_name: t.customer_name,
          body: t.description,
          channel: inputs[i]!.channel ?? 'web',
          created_at: now,
          mail_key: inputs[i]!.mail?.mail_key ?? null,
        })),
        emails: stored.map((t) => {
          const content = renderEmail('created', mailDataOf(t, mailSiteOfRun(run), t.agent_id === null ? null : (run.agentNames.get(t.agent_id) ?? null)));
          return { ticketId: t.id, kind: 'created', to: t.customer_email, toName: t.customer_name, content, now };
        }),
        // Their `ticket.created` events go in the same statement, built from these rows (§13).
        webhookEvents: createdWebhookEvents(stored.map((t, i) => ({ ...t, ...names[i]! })), run.webhookEndpoints, run.publicUrl, now),
        receivers: [...new Set(plan.agentIds.filter((id): id is number => id !== null))],
        now,
      }));
      await storeIntakeFiles(trx, inputs, tickets, now);
      for (const [i, input] of inputs.entries()) if (input.ccs) await addCopiedPeople(trx, tickets[i]!, input.ccs, now);
      const mailIds = await insertInboundMails(trx, inputs.flatMap((input, i) => (input.mail ? [{ ...input.mail, ticket_id: tickets[i]!.id }] : [])));
      run.agents = plan.agents;
      if (plan.agentIds.includes(null)) run.queueWaiting = true;
      for (const t of tickets) {
        const change = { ticketId: t.id, type: 'created' as const, fromAgentId: null, toAgentId: t.agent_id };
        run.changes.push(change);
        run.changesWithDeliveries.add(change);
      }
      const created = tickets.map((t, i): CreatedTicket => {
        const mailId = inputs[i]!.mail && mailIds.get(inputs[i]!.mail.mail_key);
        return mailId === undefined ? { ...t, names: names[i] } : { ...t, mailId, names: names[i] };
      });
      return refusals.map((refused) => refused ?? created.shift()!);
    },
    { newTickets: submitted.length },
  );
}

/** Stores the files that came with new tickets on their first messages (most tickets have none), all of the batch's contents in one order. */
async function storeIntakeFiles(trx: Db, inputs: readonly IntakeInput[], tickets: readonly TicketRow[], now: number): Promise<void> {
  const messages: MessageFiles[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const files = inputs[i]!.files;
    if (!files || files.length === 0) continue;
    const ticket = tickets[i]!;
    const firstId = await firstMessageIdOf(trx, ticket.id);
    if (firstId === undefined) throw new Error(`Ticket ${ticket.id} was written without its first message.`);
    messages.push({ messageId: firstId, ticketId: ticket.id, files });
  }
  await storeFilesOfMessages(trx, messages, now);
}

/** Who is acting on a ticket (with the request's origin from a route: an admin's close is audited with it). */
export interface Actor extends RequestOrigin {
  id: number;
  role: 'agent' | 'admin';
}

/**
 * R4: the ticket's own agent (or an admin) closes it; the customer is told, and the agent pulls
 * from the queue (R2) or balances (R3). Closing a closed ticket changes nothing and is not an error.
 * Returns whether this call closed it.
 */
export async function closeTicket(ctx: ServiceContext, actor: Actor, ticketId: number): Promise<boolean> {
  return withRouting(ctx, actingAs(actor), async (run) => {
    const ticket = await lockTicketInRun(run, ticketId);
    if (!ticket) throw notFound('Ticket');
    return closeInRun(run, actor, ticket, { emailCustomer: true });
  });
}

/**
 * R4 inside a routing run on a ticket read with lockTicketInRun (so the close is stamped after any
 * breach recorded while the run waited for the row): checks the actor, closes, records the event, emails the customer unless
 * the caller sends its own email (reply and close: one email, §9), then R2/R3 for the agent.
 */
export async function closeInRun(run: RoutingRun, actor: Actor, ticket: TicketRow, options: { emailCustomer: boolean }): Promise<boolean> {
  const ticketId = ticket.id;
  if (actor.role !== 'admin' && ticket.agent_id !== actor.id) throw forbidden('Only the agent holding this ticket can close it.');
  // Only the first close resumes a paused clock (markClosed changes nothing on a closed ticket).
  if (!(await markClosed(run.trx, ticketId, run.now, await clocksForClose(run.handle, run.trx, ticket, run.now)))) return false;
  await insertEvent(run.trx, { ticket_id: ticketId, type: 'closed', at: run.now, from_agent_id: ticket.agent_id, to_agent_id: null, actor_id: actor.id });
  // An admin closing someone's ticket (page, API, reply and close) is an admin action, audited like a reassignment.
  if (actor.role === 'admin') await auditRun(run, 'ticket.close', `ticket:${referenceOf(ticketId)}`, { before: { status: 'open', agent_id: ticket.agent_id }, after: { status: 'closed' } });
  if (options.emailCustomer) {
    await notifyCustomer(run.trx, 'closed', { ...ticket, status: 'closed', closed_at: run.now, waiting_on: null }, mailSiteOfRun(run), run.now, { knownNames: run.agentNames, closedById: actor.id });
  }
  run.changes.push({ ticketId, type: 'closed', fromAgentId: ticket.agent_id, toAgentId: null });
  if (ticket.agent_id !== null) {
    const agent = run.agents.find((a) => a.id === ticket.agent_id);
    if (agent) updateAgent(run, agent.id, { openCount: agent.openCount - 1 });
    await pullAndBalance(run, ticket.agent_id);
  }
  return true;
}
