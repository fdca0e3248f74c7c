/**
 * A ticket's thread as staff see it (§9): every message oldest first, internal notes set apart in
 * words and style, each with its writer, time, channel and attachments; a message that came by
 * mail links its original (§10), and an auto-reply is marked so.
 */
import { sizeInWords } from '../core/fileSize.js';
import type { AttachmentRow, MessageChannel, MessageKind, MessageRow } from '../db/schema.js';
import { mailOriginalPath, staffAttachmentPath } from '../http/links.js';
import { LinkedText, Time } from './components.js';

const KIND_LABELS: Record<MessageKind, string> = { customer: 'Customer', reply: 'Reply to the customer', note: 'Internal note' };
const CHANNEL_LABELS: Record<MessageChannel, string> = { web: 'via web', email: 'by email', api: 'via API' };


function Attachments({ files }: { files: readonly AttachmentRow[] }) {
  if (files.length === 0) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {files.map((a) => (
        <li>
          <a href={staffAttachmentPath(a)}><bdi>{a.filename}</bdi></a> <small>{sizeInWords(a.size)}</small>
        </li>
      ))}
    </ul>
  );
}

/** One message; `isNew` marks what arrived while the viewer was writing (a held-back reply). */
export function ThreadMessage({ ticketId, message, files, isNew }: { ticketId: number; message: MessageRow; files: readonly AttachmentRow[]; isNew: boolean }) {
  const m = message;
  return (
    <article class={`message message-${m.kind}${isNew ? ' message-new' : ''}`} id={`message-${m.id}`} data-message-id={m.id} data-kind={m.kind} aria-labelledby={`message-${m.id}-by`}>
      <header>
        {isNew && <strong class="badge new-since">New since you started writing</strong>}{' '}
        <span class={`badge kind-${m.kind}`}>{KIND_LABELS[m.kind]}</span>{' '}
        {m.automatic === 1 && (
          <>
            <span class="badge automatic-reply" title="Sent by the customer's mail system (an out-of-office or similar), not by the customer">
              automatic reply
            </span>{' '}
          </>
        )}
        <strong id={`message-${m.id}-by`} class="author">
          <bdi>{m.author_name}</bdi>
        </strong>{' '}
        <small>
          <Time ms={m.created_at} /> · {CHANNEL_LABELS[m.channel]}
          {m.mail_key !== null && (
            <>
              {' · '}
              <a href={mailOriginalPath(ticketId, m.id)} class="original-mail">
                Original mail
              </a>
            </>
          )}
        </small>
      </header>
      <div class="message-body">
        <LinkedText text={m.body} />
      </div>
      <Attachments files={files} />
    </article>
  );
}

export interface ThreadProps {
  ticketId: number;
  messages: readonly MessageRow[];
  attachments: readonly AttachmentRow[];
  /** The `?before=` of the previous page when older messages exist, else null. */
  earlierBefore: number | null;
  /** Showing an older page (not the newest messages). */
  olderPage: boolean;
  /** Messages with a larger id than this are marked new; null marks none. */
  newAfter: number | null;
}

/** The thread section (`#thread`): a link to earlier messages first, then the page, oldest first. */
export function Thread({ ticketId, messages, attachments, earlierBefore, olderPage, newAfter }: ThreadProps) {
  const filesOf = new Map<number, AttachmentRow[]>();
  for (const a of attachments) filesOf.set(a.message_id, [...(filesOf.get(a.message_id) ?? []), a]);
  const path = `/agents/tickets/${ticketId}/`;
  return (
    <section id="thread" aria-labelledby="thread-heading">
      <h2 id="thread-heading">Conversation</h2>
      {earlierBefore !== null && (
        <p class="thread-earlier">
          <a href={`${path}?before=${earlierBefore}`} rel="prev">
            Earlier messages
          </a>
        </p>
      )}
      {messages.map((m) => (
        <ThreadMessage ticketId={ticketId} message={m} files={filesOf.get(m.id) ?? []} isNew={newAfter !== null && m.id > newAfter} />
      ))}
      {olderPage && (
        <p class="thread-later">
          <a href={path} rel="next">
            Newest messages and the reply form
          </a>
        </p>
      )}
    </section>
  );
}
