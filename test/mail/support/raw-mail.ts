/**
 * Raw received mails for the email channel's tests (§10): RFC 5322 text with CRLF line ends, the
 * way a mail server hands a message to POST /api/v1/inbound/email or `npm run mail:ingest`. Only
 * what a test names is written; everything else has a plain default.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface RawMail {
  /** `Name <address>` or a bare address. */
  from?: string;
  to?: string;
  subject?: string;
  /** With angle brackets; default a fresh random one; null: no Message-ID header at all. */
  messageId?: string | null;
  inReplyTo?: string;
  references?: string[];
  /** Further header lines, e.g. `{ 'Auto-Submitted': 'auto-replied' }`. */
  headers?: Record<string, string>;
  text?: string;
}

/** A fresh Message-ID in a customer's domain. */
export function newMessageId(domain = 'customer.example'): string {
  return `<${randomBytes(8).toString('hex')}@${domain}>`;
}

/** The mail as text, CRLF line ends. */
export function rawMail(mail: RawMail = {}): string {
  const messageId = mail.messageId === undefined ? newMessageId() : mail.messageId;
  const lines = [
    `From: ${mail.from ?? 'Carla Customer <carla@customer.example>'}`,
    `To: ${mail.to ?? 'Support <support@helpdesk.example>'}`,
    `Subject: ${mail.subject ?? 'Printer on fire'}`,
    'Date: Fri, 27 Nov 2026 09:00:00 +0000',
    ...(messageId === null ? [] : [`Message-ID: ${messageId}`]),
    ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`] : []),
    ...(mail.references?.length ? [`References: ${mail.references.join(' ')}`] : []),
    ...Object.entries(mail.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    mail.text ?? 'It smells of toner.',
    '',
  ];
  return lines.join('\r\n');
}

/** POST /api/v1/inbound/email with a bearer token (null: none) and a content type (default message/rfc822). */
export function postMail(app: FastifyInstance, token: string | null, raw: string | Buffer, contentType: string | null = 'message/rfc822'): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v1/inbound/email',
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(contentType === null ? {} : { 'content-type': contentType }) },
    payload: raw,
  });
}
