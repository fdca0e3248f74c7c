/**
 * The staff ticket page (§9, `/agents/tickets/<id>/`): the ticket, its SLA clock, the thread and the
 * reply form. Markup read by src/public/ticket-page.js (live viewers and new messages): <main>
 * carries `data-ticket-id` and `data-newest-message-id` (the newest message shown, notes included),
 * `#viewers` is left empty for it, the thread is `#thread`, the form `#reply-form` (its
 * `data-draft-key` names the draft the script keeps). The form's `data-offers` (`reply` or `note`)
 * says what it offers; the parts that depend on it (the heading, `#reply-kind`, `#reply-close`,
 * `#reply-send`) are swapped live when it changes (a close committing).
 */
import { PLACEHOLDERS, STAFF_BODY_MAX } from '../core/conversation.js';
import { referenceOf, stateOf } from '../core/tickets.js';
import type { AttachmentRow, CannedReplyRow, MessageRow, TicketRow } from '../db/schema.js';
import { copiedRemovePath, customerStatusPath, staffTicketPath } from '../http/links.js';
import { showsSeconds } from '../core/sla.js';
import { SlaTargetFacts } from './slaTargets.js';
import { AttachmentsField, CsrfField, DueTime, ErrorSummary, type FormErrors, FormKeyField, FormNotice, type FormValues, PriorityBadge, SelectField, SlaBadge, StateBadge, TextArea, Time, WaitingOnBadge } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';
import { BouncedEmails, type BouncedEmail } from './bouncedEmails.js';
import { Thread } from './thread.js';
import { CopiedFact, type CopiedRemoval } from './copied.js';
import { mayChangeCopied } from '../core/mailCc.js';
import type { TicketCcRow } from '../db/schemaCcs.js';
import { CloseControl } from './closeControl.js';
import { RatingFacts } from './rating.js';
import { TicketRoutingFacts } from './ticketRouting.js';

export interface StaffTicketProps {
  viewer: Viewer & { id: number };
  csrf: string;
  /** The reply form's one-time key: the same message sent twice (a double click) is posted once. */
  formKey: string;
  flash: Flash | null;
  ticket: TicketRow;
  agentName: string | null;
  /** The names of the ticket's team and topic (§12): null once deleted. */
  teamName: string | null;
  topicName: string | null;
  /** Tickets that follow this one up (a customer wrote after it was closed). */
  followUps: readonly TicketRow[];
  /** The people the customer copied (§10 Cc), copied on replies and the closed email. */
  copied: readonly TicketCcRow[];
  /** The ticket's customer emails that bounced, newest first. */
  bounced: readonly BouncedEmail[];
  messages: readonly MessageRow[];
  attachments: readonly AttachmentRow[];
  earlierBefore: number | null;
  olderPage: boolean;
  canned: readonly CannedReplyRow[];
  /** Whether the viewer may reply (else only note): the ticket's agent or an admin, while open. */
  mayReply: boolean;
  /** The form as the writer left it (a refused send); empty for a fresh page. */
  draft: FormValues;
  errors: FormErrors;
  /** Why the send was refused (stale view, closed ticket), shown above the form. */
  notice: string | null;
  /** Mark messages newer than this as new (a held-back reply); null marks none. */
  newAfter: number | null;
  now: number;
}

interface TicketFactsProps {
  ticket: TicketRow;
  agentName: string | null;
  teamName: string | null;
  topicName: string | null;
  followUps: readonly TicketRow[];
  copied: readonly TicketCcRow[];
  /** The copied people's Remove forms, for staff who may change them. */
  removal: CopiedRemoval | undefined;
  mine: boolean;
  now: number;
}

function TicketFacts({ ticket, agentName, teamName, topicName, followUps, copied, removal, mine, now }: TicketFactsProps) {
  const seconds = showsSeconds(ticket.created_at, ticket.sla_due_at);
  return (
    <dl class="facts" id="ticket-facts">
      <dt>Customer</dt>
      <dd>
        <bdi>{ticket.customer_name}</bdi> &lt;{ticket.customer_email}&gt;
      </dd>
      <CopiedFact copied={copied} removal={removal} />
      <dt>Agent</dt>
      <dd class="agent-name">{agentName === null ? 'Nobody yet: waiting in the queue' : <bdi>{agentName}</bdi>}</dd>
      {/* §12: whose it is to take (its team) and what it needs (the skills it was created with). */}
      <TicketRoutingFacts teamName={teamName} topicName={topicName} ticket={ticket} />
      <dt>Waiting on</dt>
      <dd>{ticket.waiting_on === null ? 'Nobody (closed)' : <WaitingOnBadge waitingOn={ticket.waiting_on} mine={mine} />}</dd>
      <dt>SLA</dt>
      <dd>
        <SlaBadge dueAt={ticket.sla_due_at} closedAt={ticket.closed_at} now={now} seconds={seconds} paused={ticket.sla_paused_at !== null} />{' '}
        <small>
          due <DueTime ms={ticket.sla_due_at} seconds={seconds} paused={ticket.sla_paused_at !== null} />
        </small>
      </dd>
      <dt>First response</dt>
      <dd>{ticket.first_response_at === null ? 'Not yet' : <Time ms={ticket.first_response_at} seconds={seconds} />}</dd>
      <SlaTargetFacts ticket={ticket} now={now} seconds={seconds} />
      <dt>Created</dt>
      <dd>
        <Time ms={ticket.created_at} seconds={seconds} />
      </dd>
      {ticket.closed_at !== null && (
        <>
          <dt>Closed</dt>
          <dd>
            <Time ms={ticket.closed_at} seconds={seconds} />
          </dd>
          <RatingFacts ticket={ticket} />
        </>
      )}
      {ticket.follow_up_of !== null && (
        <>
          <dt>Follows up</dt>
          <dd>
            <a href={staffTicketPath(ticket.follow_up_of)} id="follow-up-of">
              {referenceOf(ticket.follow_up_of)}
            </a>
          </dd>
        </>
      )}
      {followUps.length > 0 && (
        <>
          <dt>Followed up by</dt>
          <dd class="follow-ups-of">
            {followUps.map((f, i) => (
              <>
                {i > 0 && ', '}
                <a href={staffTicketPath(f.id)}>{referenceOf(f.id)}</a>
              </>
            ))}
          </dd>
        </>
      )}
      <dt>Customer's view</dt>
      <dd>
        <a href={customerStatusPath(ticket.token)}>status page</a>
      </dd>
    </dl>
  );
}

function KindChoice({ mayReply, kind, closed, error }: { mayReply: boolean; kind: string; closed: boolean; error: string | undefined }) {
  if (!mayReply) {
    return (
      <p id="kind-note-only">
        <input type="hidden" name="kind" value="note" />
        You can add an internal note here, which the customer never sees.{' '}
        {closed ? 'The ticket is closed, so no reply can be sent; if the customer writes again, a follow-up ticket opens.' : 'Only the agent holding this ticket (or an admin) replies to the customer.'}
        {error && (
          <small id="kind-error" class="field-error">
            {error}
          </small>
        )}
      </p>
    );
  }
  return (
    <fieldset aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'kind-error' : undefined}>
      <legend>Send as</legend>
      <label>
        <input type="radio" id="kind" name="kind" value="reply" checked={kind !== 'note'} /> Reply to the customer (emailed, shown on the status page)
      </label>
      <label>
        <input type="radio" name="kind" value="note" checked={kind === 'note'} /> Internal note (staff only, never sent)
      </label>
      {error && (
        <small id="kind-error" class="field-error">
          {error}
        </small>
      )}
    </fieldset>
  );
}

function ReplyForm(props: StaffTicketProps & { seen: number | null }) {
  const { viewer, ticket, csrf, formKey, mayReply, draft, errors, notice, canned, seen } = props;
  return (
    <section id="reply" aria-labelledby="reply-heading">
      <h2 id="reply-heading">{mayReply ? 'Reply' : 'Add a note'}</h2>
      <FormNotice id="reply-notice" message={notice} />
      <ErrorSummary errors={errors} />
      {/* data-draft-key: whose draft of which ticket ticket-page.js keeps while it is typed. */}
      <form id="reply-form" method="post" action={`${staffTicketPath(ticket.id)}messages/`} enctype="multipart/form-data" novalidate data-offers={mayReply ? 'reply' : 'note'} data-draft-key={`${viewer.id}/${ticket.id}`}>
        <CsrfField token={csrf} />
        <FormKeyField value={formKey} />
        <input type="hidden" name="seen" value={seen === null ? '' : String(seen)} />
        <div id="reply-kind">
          <KindChoice mayReply={mayReply} kind={draft.kind ?? 'reply'} closed={ticket.status === 'closed'} error={errors.kind} />
        </div>
        {canned.length > 0 && (
          <SelectField
            name="canned"
            label="Canned reply"
            values={draft}
            errors={errors}
            options={[['', 'None'], ...canned.map((c): [string, string] => [String(c.id), c.name])]}
            hint="With the message left empty, the chosen text is sent as it is."
          />
        )}
        {/* The canned texts as written, for the page script to put into the box. */}
        {canned.length > 0 && (
          <template id="canned-texts">
            {canned.map((c) => (
              <pre data-canned-id={c.id}>{c.body}</pre>
            ))}
          </template>
        )}
        <TextArea
          name="body"
          label="Message"
          values={draft}
          errors={errors}
          maxLength={STAFF_BODY_MAX}
          hint={`Placeholders ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')} are filled when sent.`}
        />
        <AttachmentsField errors={errors} />
        <div id="reply-close">
          {mayReply && (
            <label for="close">
              <input type="checkbox" id="close" name="close" value="on" checked={draft.close !== undefined && draft.close !== ''} aria-invalid={errors.close ? 'true' : undefined} aria-describedby={errors.close ? 'close-error' : undefined} /> Reply and
              close the ticket (the customer gets one email)
            </label>
          )}
          {/* Outside the label, which names the box: the error describes it (aria-describedby). */}
          {mayReply && errors.close && (
            <small id="close-error" class="field-error">
              {errors.close}
            </small>
          )}
        </div>
        {errors.seen && (
          <p id="seen-error" class="field-error">
            {errors.seen}
          </p>
        )}
        <button type="submit" id="reply-send">{mayReply ? 'Send' : 'Add note'}</button>
      </form>
    </section>
  );
}

export function StaffTicketPage(props: StaffTicketProps) {
  const { viewer, csrf, flash, ticket, agentName, messages, attachments, earlierBefore, olderPage, newAfter, now } = props;
  const reference = referenceOf(ticket.id);
  const newest = messages.length > 0 ? messages[messages.length - 1]!.id : null;
  // A refused send keeps the id the writer had (400), or moves it on to what is shown now (409 stale).
  const seen = props.draft.seen !== undefined && /^\d+$/.test(props.draft.seen) ? Number(props.draft.seen) : newest;
  const failed = Object.keys(props.errors).length > 0 || props.notice !== null;
  const data: Record<string, string | number> = { 'ticket-id': ticket.id, 'newest-message-id': newest ?? '' };
  if (olderPage) data['earlier-page'] = 'true';
  return (
    <Layout title={`${failed ? 'Not sent: ' : ''}${reference} ${ticket.title}`} viewer={viewer} csrf={csrf} flash={flash} scripts={['ticket-page.js']} data={data} now={now}>
      <hgroup>
        <h1>
          {reference}: <bdi>{ticket.title}</bdi>
        </h1>
        <p class="badges">
          <StateBadge state={stateOf({ status: ticket.status, agentId: ticket.agent_id })} /> <PriorityBadge priority={ticket.priority} />{' '}
          <SlaBadge dueAt={ticket.sla_due_at} closedAt={ticket.closed_at} now={now} paused={ticket.sla_paused_at !== null} />{' '}
          <WaitingOnBadge waitingOn={ticket.waiting_on} mine={ticket.agent_id === viewer.id} />
        </p>
      </hgroup>
      {/* Always there (maybe empty), so ticket-page.js can swap it live: a close committing, an undo elsewhere. */}
      <div id="close-control">{props.mayReply && ticket.status === 'open' && <CloseControl ticket={ticket} csrf={csrf} now={now} back={staffTicketPath(ticket.id)} />}</div>
      <section id="viewers" aria-live="polite"></section>
      <BouncedEmails emails={props.bounced} />
      <TicketFacts ticket={ticket} agentName={agentName} teamName={props.teamName} topicName={props.topicName} followUps={props.followUps}
        copied={props.copied}
        removal={mayChangeCopied(viewer, { agentId: ticket.agent_id }) ? { action: copiedRemovePath(ticket.id), csrf } : undefined}
        mine={ticket.agent_id === viewer.id} now={now} />
      <Thread ticketId={ticket.id} messages={messages} attachments={attachments} earlierBefore={earlierBefore} olderPage={olderPage} newAfter={newAfter} />
      {olderPage ? (
        <p>
          You are reading earlier messages. <a href={staffTicketPath(ticket.id)}>Go to the newest messages</a> to write.
        </p>
      ) : (
        <ReplyForm {...props} seen={seen} />
      )}
    </Layout>
  );
}
