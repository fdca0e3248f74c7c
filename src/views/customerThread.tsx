/**
 * The customer's side of a conversation on the status page (SPEC §9): the public thread (never a
 * note: the route reads it with `publicOnly`), whose turn it is in the customer's words, the
 * follow-ups of a closed request, and the reply form. Everything shown is escaped by Preact.
 */
import { followUpTitle } from '../core/conversation.js';
import { sizeInWords } from '../core/fileSize.js';
import { referenceOf, stateOf } from '../core/tickets.js';
import type { AttachmentRow, MessageRow, TicketRow } from '../db/schema.js';
import { customerAttachmentPath, customerStatusPath } from '../http/links.js';
import { AttachmentsField, CsrfField, ErrorSummary, type FormErrors, FormKeyField, FormNotice, type FormValues, LinkedText, StateBadge, TextArea, Time } from './components.js';

/** Whose turn it is (§9 waiting on), as the customer reads it; nothing once closed. */
export function waitingInWords(waitingOn: TicketRow['waiting_on']): string | null {
  if (waitingOn === 'agent') return 'We are working on it';
  if (waitingOn === 'customer') return 'Waiting for your answer';
  return null;
}

export interface ThreadView {
  /** One page of the public thread, oldest first. */
  messages: MessageRow[];
  attachments: AttachmentRow[];
  /** The id to ask `?before=` for when older messages exist, else null. */
  earlierBefore: number | null;
  /** This page was asked for with `?before=`: it is not the newest. */
  olderPage: boolean;
}

function MessageItem({ token, message, files }: { token: string; message: MessageRow; files: AttachmentRow[] }) {
  const staff = message.kind === 'reply';
  return (
    <li id={`message-${message.id}`} class={`message message-${message.kind}`} data-message-kind={message.kind}>
      <p class="message-meta">
        <strong class="message-author"><bdi>{message.author_name}</bdi></strong>
        {staff && <span class="message-role"> · Support team</span>}
        {message.automatic === 1 && <span class="message-role"> · automatic reply</span>}
        {message.channel === 'email' && <span class="message-role"> · by email</span>}{' '}
        <span class="when">
          <Time ms={message.created_at} />
        </span>
      </p>
      <div class="message-body">
        <LinkedText text={message.body} />
      </div>
      {files.length > 0 && (
        <ul class="message-files" aria-label="Attached files">
          {files.map((file) => (
            <li>
              <a href={customerAttachmentPath(token, file)}>
                <bdi>{file.filename}</bdi>
              </a>{' '}
              <small>({sizeInWords(file.size)})</small>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * The public thread, oldest first. A long thread opens at its newest page, with a link to the
 * page before it; the whole part is refreshed live (data-live) while the request is open.
 */
export function PublicThread({ token, thread }: { token: string; thread: ThreadView }) {
  const statusPath = customerStatusPath(token);
  return (
    <div data-live="thread">
      {thread.earlierBefore !== null && (
        <p class="thread-earlier">
          <a href={`${statusPath}?before=${thread.earlierBefore}`}>Earlier messages</a>
        </p>
      )}
      <ol class="public-thread">
        {thread.messages.map((message) => (
          <MessageItem token={token} message={message} files={thread.attachments.filter((a) => a.message_id === message.id)} />
        ))}
      </ol>
      {thread.olderPage && (
        <p class="thread-later">
          <a href={statusPath}>Back to the latest messages</a>
        </p>
      )}
    </div>
  );
}

function TicketLink({ ticket }: { ticket: TicketRow }) {
  return (
    <a href={customerStatusPath(ticket.token)}>
      <span class="reference">{referenceOf(ticket.id)}</span> <bdi>{ticket.title}</bdi>
    </a>
  );
}

/** On a follow-up: the closed request it continues (the same customer's, so it is linked). */
export function FollowsUp({ original }: { original: TicketRow }) {
  return (
    <p class="follows-up" data-follows-up={referenceOf(original.id)}>
      This request follows up your earlier request <TicketLink ticket={original} />, which was closed.
    </p>
  );
}

/** On a closed request: the requests its customer opened by writing again. */
export function FollowUpList({ followUps }: { followUps: TicketRow[] }) {
  if (followUps.length === 0) return null;
  return (
    <section aria-labelledby="follow-ups-title" class="follow-ups">
      <h2 id="follow-ups-title">Your follow-up requests</h2>
      <ul>
        {followUps.map((f) => (
          <li data-follow-up={referenceOf(f.id)}>
            <TicketLink ticket={f} /> <StateBadge state={stateOf({ status: f.status, agentId: f.agent_id })} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The reply form. A customer may always write: on a closed request the message goes to its open
 * follow-up, or else opens one (§9), and the form says which rather than disappearing.
 */
export function CustomerReplyForm({ ticket, openFollowUp, values, errors, notice, csrf, formKey }: { ticket: TicketRow; openFollowUp: TicketRow | null; values: FormValues; errors: FormErrors; notice: string | null; csrf: string; formKey: string }) {
  const closed = ticket.status === 'closed';
  return (
    <section aria-labelledby="reply-title" id="reply">
      {/* Live like the note under it: a request closed while the page is open gets both. */}
      <h2 id="reply-title" data-live="reply-title">
        {closed ? 'Write to us again' : 'Reply'}
      </h2>
      <p class="reply-note" data-live="reply-note">
        {!closed
          ? 'We answer here and by email.'
          : openFollowUp
            ? `This request is closed. You can still write to us: your message goes to its follow-up, ${referenceOf(openFollowUp.id)}, which is still open.`
            : `This request is closed. You can still write to us: your message opens a new request, “${followUpTitle(ticket.title)}”, that follows this one.`}
      </p>
      <FormNotice id="reply-notice" message={notice} />
      <ErrorSummary errors={errors} />
      <form method="post" action={`${customerStatusPath(ticket.token)}reply/`} enctype="multipart/form-data" novalidate>
        <CsrfField token={csrf} />
        <FormKeyField value={formKey} />
        <TextArea name="body" label="Your message" values={values} errors={errors} required maxLength={10_000} />
        <AttachmentsField errors={errors} label="Files (optional)" cameBack={notice !== null} />
        <button type="submit">Send message</button>
      </form>
    </section>
  );
}
