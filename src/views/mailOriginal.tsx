/**
 * The original of a message that came by mail (§10, `/agents/tickets/<id>/messages/<id>/original/`):
 * the mail as received, for staff who need more than the thread shows (the quoted history and
 * signature stripped from a reply, text cut at 50 000 characters, a file left out). Its header
 * lines as received and its whole text, every byte escaped as text: the mail's HTML is never
 * rendered, only the text read from it.
 */
import { referenceOf } from '../core/tickets.js';
import type { InboundMailRow, MessageRow, TicketRow } from '../db/schema.js';
import { staffTicketPath } from '../http/links.js';
import type { ParsedMail } from '../mail/inbound/parse.js';
import { sizeInWords } from '../core/fileSize.js';
import { Time } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export interface MailOriginalProps {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
  ticket: Pick<TicketRow, 'id' | 'title'>;
  message: MessageRow;
  mail: InboundMailRow;
  parsed: ParsedMail;
  /** The header as received (up to its first empty line). */
  header: string;
}

const SOURCES: Record<InboundMailRow['source'], string> = { imap: 'the IMAP mailbox', http: 'the inbound API', pipe: 'the mail server’s pipe' };

/** Text as it can go on a page: line breaks and tabs kept, other control characters shown as `�`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

export function MailOriginalPage({ viewer, csrf, flash, ticket, message, mail, parsed, header }: MailOriginalProps) {
  const reference = referenceOf(ticket.id);
  // The sender's name isolated from its address (<bdi>): a right-to-left name would reorder it.
  const from = parsed.from ? (
    <>
      {parsed.from.name ? (
        <>
          <bdi>{printable(parsed.from.name)}</bdi>{' '}
        </>
      ) : null}
      {printable(`<${parsed.from.address}>`)}
    </>
  ) : (
    printable(mail.from_address)
  );
  return (
    <Layout title={`Original mail: ${reference} ${ticket.title}`} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Original mail</h1>
        <p>
          Message {message.id} of <a href={`${staffTicketPath(ticket.id)}#message-${message.id}`}>{reference}: <bdi>{ticket.title}</bdi></a>
        </p>
      </hgroup>
      <dl class="facts" id="mail-facts">
        <dt>From</dt>
        <dd>{from}</dd>
        <dt>Subject</dt>
        <dd>{printable(parsed.subject) || '(no subject)'}</dd>
        <dt>Message-ID</dt>
        <dd>
          <code>{printable(parsed.messageId ?? `none (recorded as ${mail.mail_key})`)}</code>
        </dd>
        <dt>Received</dt>
        <dd>
          <Time ms={mail.received_at} /> through {SOURCES[mail.source]}, {sizeInWords(mail.size)}
        </dd>
        {message.automatic === 1 && (
          <>
            <dt>Automatic reply</dt>
            <dd>Sent by the customer’s mail system, not by the customer: it changed nobody’s turn and was not answered.</dd>
          </>
        )}
        {parsed.files.length > 0 && (
          <>
            <dt>Files</dt>
            <dd>
              <ul id="mail-files">
                {parsed.files.map((f, i) => (
                  <li>
                    {printable(f.filename ?? `attachment-${i + 1}`)} <small>{printable(f.contentType)}, {sizeInWords(f.content.length)}{f.inline ? ', shown inline' : ''}</small>
                  </li>
                ))}
              </ul>
              <small>The files the help desk keeps are on the message in the conversation.</small>
            </dd>
          </>
        )}
      </dl>
      <section aria-labelledby="mail-header-heading">
        <h2 id="mail-header-heading">Header</h2>
        <pre id="mail-header" class="mail-original">{printable(header)}</pre>
      </section>
      <section aria-labelledby="mail-text-heading">
        <h2 id="mail-text-heading">Text</h2>
        <p>
          <small>The whole text, with any quoted history and signature. A mail written in HTML only is shown as the text read from it; its HTML is never shown.</small>
        </p>
        <pre id="mail-text" class="mail-original">{printable(parsed.text) || '(no text)'}</pre>
      </section>
      <p>
        <a href={staffTicketPath(ticket.id)}>Back to {reference}</a>
      </p>
    </Layout>
  );
}
