/**
 * Mails as a customer's mail client writes them (RFC 5322, CRLF), for the inbound pipeline: a new
 * mail, or an answer to an email of ours that names it in In-Reply-To and References. The one
 * builder of received mail the tests share (test/mail/support/raw-mail.ts, the IMAP tests' and the
 * admin tests' helpers give it their own defaults).
 */

export interface CustomerMailFields {
  /** The whole From value; null leaves the header out. */
  from?: string | null;
  to?: string;
  subject?: string;
  /** `<…>`; none when null (the mail is then keyed by its hash). */
  messageId?: string | null;
  inReplyTo?: string;
  references?: readonly string[];
  text?: string;
  /** An HTML part: the only part without `text`, else the alternative to it. */
  html?: string;
  /** More header lines, `Name: value` (or by name). */
  headers?: readonly string[] | Readonly<Record<string, string>>;
  /** Files (the message becomes multipart/mixed). */
  files?: readonly { filename: string; contentType: string; content: Buffer }[];
}

/** The raw mail. */
export function customerMail(fields: CustomerMailFields = {}): Buffer {
  const lines = [
    ...(fields.from === null ? [] : [`From: ${fields.from ?? 'Carla Customer <carla@customer.example>'}`]),
    `To: ${fields.to ?? 'Helpdesk <support@helpdesk.example>'}`,
    `Subject: ${fields.subject ?? 'Printer on fire'}`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    ...(fields.messageId === null ? [] : [`Message-ID: ${fields.messageId ?? '<first.1@mail.customer.example>'}`]),
    ...(fields.inReplyTo === undefined ? [] : [`In-Reply-To: ${fields.inReplyTo}`]),
    ...(fields.references === undefined ? [] : [`References: ${fields.references.join(' ')}`]),
    ...headerLines(fields.headers),
    'MIME-Version: 1.0',
    ...withFiles(body(fields), fields.files ?? []),
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function headerLines(headers: CustomerMailFields['headers']): string[] {
  if (headers === undefined) return [];
  return Array.isArray(headers) ? [...(headers as readonly string[])] : Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
}

/** The body as one part of a multipart/mixed message with the files after it (unchanged without files). */
function withFiles(body: string[], files: NonNullable<CustomerMailFields['files']>): string[] {
  if (files.length === 0) return body;
  const boundary = 'mixed-boundary-2c9e';
  const attached = files.flatMap((f) => [
    `--${boundary}`,
    `Content-Type: ${f.contentType}; name="${f.filename}"`,
    `Content-Disposition: attachment; filename="${f.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    f.content.toString('base64'),
  ]);
  return [`Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...body, ...attached, `--${boundary}--`, ''];
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
