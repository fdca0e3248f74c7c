/**
 * Mails as a customer's mail client writes them (RFC 5322, CRLF), for the inbound pipeline: a new
 * mail, or an answer to an email of ours that names it in In-Reply-To and References.
 */

export interface CustomerMailFields {
  from?: string;
  to?: string;
  subject?: string;
  /** `<…>`; none when null (the mail is then keyed by its hash). */
  messageId?: string | null;
  inReplyTo?: string;
  references?: readonly string[];
  text?: string;
  /** An HTML part: the only part without `text`, else the alternative to it. */
  html?: string;
  /** More header lines, `Name: value`. */
  headers?: readonly string[];
}

/** The raw mail. */
export function customerMail(fields: CustomerMailFields = {}): Buffer {
  const lines = [
    `From: ${fields.from ?? 'Carla Customer <carla@customer.example>'}`,
    `To: ${fields.to ?? 'Helpdesk <support@helpdesk.example>'}`,
    `Subject: ${fields.subject ?? 'Printer on fire'}`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    ...(fields.messageId === null ? [] : [`Message-ID: ${fields.messageId ?? '<first.1@mail.customer.example>'}`]),
    ...(fields.inReplyTo === undefined ? [] : [`In-Reply-To: ${fields.inReplyTo}`]),
    ...(fields.references === undefined ? [] : [`References: ${fields.references.join(' ')}`]),
    ...(fields.headers ?? []),
    'MIME-Version: 1.0',
    ...body(fields),
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

const part = (type: string, content: string) => [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: 8bit', '', ...content.split('\n'), ''];

/** The Content-Type header and the body: plain text, HTML only, or both as alternatives. */
function body(fields: CustomerMailFields): string[] {
  if (fields.html === undefined) return part('text/plain', fields.text ?? 'It smells of toner.');
  if (fields.text === undefined) return part('text/html', fields.html);
  const boundary = 'alt-boundary-7f3a';
  return [
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    ...part('text/plain', fields.text),
    `--${boundary}`,
    ...part('text/html', fields.html),
    `--${boundary}--`,
    '',
  ];
}

/** An answer to one of our emails, as a mail client writes it: Re: its subject, quoting it, naming it. */
export function answerTo(email: { messageId?: string | undefined; subject?: string | undefined; references?: string | string[] | undefined }, fields: CustomerMailFields & { messageId: string }): Buffer {
  const earlier = email.references === undefined ? [] : [email.references].flat();
  return customerMail({
    subject: `Re: ${email.subject ?? ''}`,
    inReplyTo: email.messageId!,
    references: [...earlier, email.messageId!],
    ...fields,
    text: `${fields.text ?? 'Thanks.'}\n\nOn Tue, 1 Dec 2026 Helpdesk <support@helpdesk.example> wrote:\n> We received your request.`,
  });
}
