/**
 * Raw received mails for the email channel's tests (§10): RFC 5322 text with CRLF line ends, the
 * way a mail server hands a message to POST /api/v1/inbound/email or `npm run mail:ingest`. Only
 * what a test names is written; everything else has a plain default.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { customerMail } from './customer-mail.js';

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

/** The mail as text, CRLF line ends (customerMail with a fresh Message-ID unless one is given). */
export function rawMail(mail: RawMail = {}): string {
  return customerMail({ ...mail, messageId: mail.messageId === undefined ? newMessageId() : mail.messageId }).toString('utf8');
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
