/**
 * The steps by which customers write (§2, §9, §10): a ticket from the form or the API, a message
 * on the status page, and mail through the email channel's one pipeline (ingestMail, behind POST
 * /api/v1/inbound/email, IMAP and the pipe): a new mail to a topic's address, and an answer to a
 * ticket that is appended while it is open and opens a follow-up once it is closed.
 */
import { referenceOf } from '../../src/core/tickets.js';
import { DEFAULT_INBOUND_SETTING, ingestMail, type InboundSetting } from '../../src/services/inbound.js';
import { postCustomerMessage } from '../../src/services/conversation.js';
import { rawMail } from '../mail/support/raw-mail.js';
import { attempt, type Desk, TOPICS } from './desk.js';
import { EMAIL_PRIORITY, OK, type Outcome, type Priority, refused, type RoutingModel } from './model.js';
import { pickTicket, Step } from './step.js';

/** The channel's settings; no hourly limit per sender (every run's mail comes from two addresses). */
const INBOUND: InboundSetting = { ...DEFAULT_INBOUND_SETTING, ticketsPerHour: 1_000_000 };

/** A mail to this address leads to no topic (the first topic's tickets). */
const UNMAPPED_ADDRESS = 'support@helpdesk.test';

/** A ticket from the form or the API (both are TicketIntake.submit), of topic `topic` (index into TOPICS). */
export class FormCreate extends Step {
  private ticketId: number | null = null;
  private topicId = 0;
  constructor(
    readonly priority: Priority,
    readonly topic: number,
  ) {
    super();
  }
  label() {
    return `create(${this.priority}, ${TOPICS[this.topic]!.name})`;
  }
  async callService(d: Desk) {
    this.topicId = d.topicIds[this.topic]!;
    const form = { name: 'Carla', email: 'carla@example.com', title: 'Help', description: 'Please.', priority: this.priority, topic: TOPICS[this.topic]!.name };
    const { outcome, value } = await attempt(() => d.intake.submit(form));
    this.ticketId = value?.id ?? null;
    this.picked = this.ticketId === null ? '' : `HD-${this.ticketId}`;
    return outcome;
  }
  applyModel(m: RoutingModel) {
    return this.ticketId === null ? refused('not created') : m.create(this.ticketId, this.priority, this.topicId);
  }
}

/** What a mail became, as an outcome: handled (created, appended, follow-up) or the result that refused it. */
function mailOutcome(result: string): Outcome {
  return ['created', 'appended', 'follow_up'].includes(result) ? OK : refused(result);
}

/** A new mail to the address of topic `topic` (index into TOPICS; General's: an address no topic has). */
export class MailCreate extends Step {
  private ticketId: number | null = null;
  private topicId = 0;
  constructor(readonly topic: number) {
    super();
  }
  label() {
    return `mail(to ${TOPICS[this.topic]!.address ?? UNMAPPED_ADDRESS})`;
  }
  async callService(d: Desk) {
    this.topicId = d.topicIds[this.topic]!;
    const raw = rawMail({ from: 'Dora <dora@customer.example>', to: TOPICS[this.topic]!.address ?? UNMAPPED_ADDRESS, subject: 'Help by mail', text: 'Please.' });
    const outcome = await ingestMail(d.ctx, d.intake, INBOUND, Buffer.from(raw), 'http');
    this.ticketId = outcome.result === 'created' ? outcome.ticketId : null;
    this.picked = `${outcome.result}${outcome.ticketId === null ? '' : ` HD-${outcome.ticketId}`}`;
    return mailOutcome(outcome.result);
  }
  applyModel(m: RoutingModel) {
    return this.ticketId === null ? refused('not created') : m.create(this.ticketId, EMAIL_PRIORITY, this.topicId);
  }
}

/**
 * The customer writes on ticket number `ticket` (modulo the run's tickets), on the status page or
 * by mail answering it (`[HD-n]` in the subject, from the ticket's customer).
 */
export class CustomerWrites extends Step {
  private ticketId = 0;
  private followUp: number | null = null;
  constructor(
    readonly ticket: number,
    readonly byMail: boolean,
  ) {
    super();
  }
  label() {
    return `customerWrites(ticket#${this.ticket}${this.byMail ? ', by mail' : ''})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  protected override prepare(m: RoutingModel) {
    this.ticketId = pickTicket(m, this.ticket);
  }
  async callService(d: Desk) {
    const row = await d.database.handle.db.selectFrom('tickets').select(['token', 'customer_email']).where('id', '=', this.ticketId).executeTakeFirstOrThrow();
    let outcome: Outcome;
    if (this.byMail) {
      const raw = rawMail({ from: row.customer_email, subject: `Re: [${referenceOf(this.ticketId)}] Help`, text: 'One more thing.' });
      const answer = await ingestMail(d.ctx, d.intake, INBOUND, Buffer.from(raw), 'http');
      this.followUp = answer.result === 'follow_up' ? answer.ticketId : null;
      outcome = mailOutcome(answer.result);
    } else {
      const answer = await attempt(() => postCustomerMessage(d.ctx, row.token, { body: 'One more thing.', channel: 'web' }));
      this.followUp = answer.value?.kind === 'follow_up' ? answer.value.followUp.id : null;
      outcome = answer.outcome;
    }
    this.picked = `HD-${this.ticketId}${this.followUp === null ? '' : ` → follow-up HD-${this.followUp}`}`;
    return outcome;
  }
  applyModel(m: RoutingModel) {
    return m.customerWrites(this.ticketId, this.followUp);
  }
}
