/**
 * How an email leaves: over SMTP with nodemailer, or, without SMTP configuration, into the log
 * (SPEC §5, §7). The worker only knows the `Mailer` interface, so tests and other transports plug in.
 */
import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseMailbox } from '../core/mailboxes.js';
import { readsAsEncodedWord } from '../core/mailSubject.js';

/** A file sent with an email (a `reply`'s attachments). */
export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** One email as the worker hands it over; every field is already checked (see message.ts). */
export interface OutgoingEmail {
  from: string;
  to: string;
  /**
   * The recipient's name (the ticket's customer), one line without direction overrides (message.ts);
   * '' or absent: the bare address. Given to nodemailer apart from the address, so it quotes or
   * encodes it (RFC 2047) as one name: a comma, `<…>` or `@` in it is never read as an address.
   */
  toName?: string;
  /** The ticket's copied people (§10 Cc) on an email that carries its conversation; absent or empty: none. */
  cc?: string[];
  /** Where the customer's answer goes: the support address (MAIL_REPLY_TO). */
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  /** With angle brackets: `<hd-42.outbox-7.ab12…@example.com>`. */
  messageId: string;
  /**
   * The Date header: when the email was written (its outbox row), the same on every try. RFC 5322
   * dates a message when it is ready to enter the mail system, which queues it unchanged; the time
   * of the try that got through dated a reply written before an outage hours late.
   */
  date: Date;
  /** The ticket's previous customer email (none for its first). */
  inReplyTo?: string;
  /** The ticket's first customer email, then the previous one. */
  references?: string[];
  /** Sent by the system on its own (all but a `reply`): `Auto-Submitted: auto-generated`. */
  automatic: boolean;
  attachments: OutgoingAttachment[];
}

/**
 * Headers of automatic emails. RFC 3834: vacation responders and ticket systems must not answer
 * them; Exchange and Outlook honour only their own header for the same request.
 */
export const AUTOMATIC_HEADERS: Readonly<Record<string, string>> = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' };

export interface Mailer {
  /** `smtp` sends; `log` only writes the email to the log. */
  readonly kind: 'smtp' | 'log';
  /**
   * Hands one email over; resolves once the mail server accepted it and rejects otherwise. `signal`
   * aborts a send that takes too long (the connection is closed).
   */
  send(email: OutgoingEmail, signal?: AbortSignal): Promise<{ messageId: string }>;
  /**
   * The largest message the mail server takes, as its EHLO answer advertises it (SIZE, RFC 1870);
   * null when it names none. Only a mailer with a server has it; rejects when the server cannot be
   * reached.
   */
  advertisedMessageSize?(): Promise<number | null>;
  /** Releases connections; the mailer is not used afterwards. */
  close(): void;
}

/** Timeouts of one SMTP conversation, in milliseconds. */
export interface SmtpTimeouts {
  /** To open the TCP (or TLS) connection. */
  connectionMs: number;
  /** From connecting to the server's first `220` greeting. */
  greetingMs: number;
  /** Longest silence in the middle of a conversation. */
  socketMs: number;
}

/** Short enough that a hung server frees the worker soon, long enough for a slow but working one. */
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 15_000, greetingMs: 15_000, socketMs: 60_000 };

/**
 * A mailer sending through the server of `smtpUrl` (`smtp://user:pass@host:587`, or `smtps://` for
 * TLS from the first byte; query parameters such as `?tls.rejectUnauthorized=false` are nodemailer
 * options). One connection per email: the worker sends a few emails at a time, not bulk mail.
 */
export function createSmtpMailer(smtpUrl: string, timeouts: Partial<SmtpTimeouts> = {}): Mailer {
  const t = { ...DEFAULT_SMTP_TIMEOUTS, ...timeouts };
  // Loaded when SMTP is configured (CommonJS, so synchronously): a server that logs mail does not carry it.
  const require = createRequire(import.meta.url);
  const { createTransport } = require('nodemailer') as typeof nodemailer;
  // nodemailer encodes only a subject that is not ASCII; one that reads as an encoded word is encoded whole.
  const { encodeWord } = require('nodemailer/lib/mime-funcs') as { encodeWord(value: string, encoding: 'Q' | 'B', maxLength: number): string };
  const subjectHeader = (subject: string) => (readsAsEncodedWord(subject) ? encodeWord(subject, 'Q', 52) : subject);
  const SMTPConnection = require('nodemailer/lib/smtp-connection') as typeof import('nodemailer/lib/smtp-connection').default;
  const transport = createTransport({
    url: smtpUrl,
    connectionTimeout: t.connectionMs,
    greetingTimeout: t.greetingMs,
    socketTimeout: t.socketMs,
    // Our bodies are strings; never let a field be read as a file path or a URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    kind: 'smtp',
    async send(email, signal) {
      // `signal` is nodemailer ≥ 10.5 API that @types/nodemailer does not list yet.
      const from = mailboxOption(email.from);
      const options: Mail.Options & { signal?: AbortSignal } = {
        from,
        to: email.toName ? { name: email.toName, address: email.to } : email.to,
        ...(email.cc && email.cc.length > 0 ? { cc: email.cc } : {}),
        replyTo: mailboxOption(email.replyTo),
        subject: subjectHeader(email.subject),
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        date: email.date,
        ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
        ...(email.references ? { references: email.references } : {}),
        // The envelope is given, not derived from headers: RCPT TO is the To and the checked Cc, nothing else.
        envelope: { from: typeof from === 'string' ? from : from.address, to: [email.to, ...(email.cc ?? [])] },
        headers: email.automatic ? { ...AUTOMATIC_HEADERS } : {},
        attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        ...(signal ? { signal } : {}),
      };
      const info = await transport.sendMail(options);
      return { messageId: info.messageId };
    },
    advertisedMessageSize() {
      // The transport's own options (host, port, TLS, timeouts, from SMTP_URL): the same server, greeted
      // the same way (STARTTLS when offered, then EHLO again). nodemailer reads SIZE from the EHLO answer
      // into a field it does not publish (it only hands it to custom auth handlers), so it is read there.
      const connection = new SMTPConnection((transport.transporter as unknown as { options: ConstructorParameters<typeof SMTPConnection>[0] }).options);
      return new Promise((resolve, reject) => {
        connection.on('error', reject);
        connection.connect(() => {
          const size = (connection as unknown as { _maxAllowedSize?: unknown })._maxAllowedSize;
          connection.quit();
          resolve(typeof size === 'number' && size > 0 ? size : null);
        });
      });
    },
    close() {
      transport.close();
    },
  };
}

/**
 * MAIL_FROM or MAIL_REPLY_TO as nodemailer's name and address, so it quotes or encodes the name as
 * a whole: given the configured text, nodemailer parses it again as an address list, and a name
 * holding `:` became a group (`Acme:Support <…>;`, not allowed in From), `;` a comma, `( )` a
 * comment readers drop. Config accepted the value (core/mailboxes.ts), so it parses; else as is.
 */
function mailboxOption(value: string): Mail.Address | string {
  const mailbox = parseMailbox(value);
  return mailbox ? { name: mailbox.name ?? '', address: mailbox.address } : value;
}

/**
 * Where the log mailer writes: structured lines, fields then a message (the argument order of
 * pino's methods); pino's and Fastify's loggers fit as they are.
 */
export interface MailLog {
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

/**
 * The mailer used without `SMTP_URL`: each email counts as sent, so a trial install works without a
 * mail server and the emails stay readable in the outbox. Its recipient, subject, thread and the
 * names and sizes of its attachments are logged at info; never the attachments' contents, and its
 * body only at debug, because the body holds the customer's status link, a bearer link that must
 * not sit in ordinary logs (log collectors keep and show info lines to many people).
 */
export function createLogMailer(log: MailLog): Mailer {
  return {
    kind: 'log',
    async send(email) {
      const fields: Record<string, unknown> = { to: email.to, subject: email.subject, messageId: email.messageId };
      if (email.cc && email.cc.length > 0) fields.cc = email.cc;
      if (email.inReplyTo) fields.inReplyTo = email.inReplyTo;
      if (email.attachments.length > 0) fields.attachments = email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.content.length }));
      log.info(fields, 'email not sent (SMTP_URL is unset): logged instead');
      log.debug({ to: email.to, messageId: email.messageId, text: email.text }, 'email body (not sent: SMTP_URL is unset)');
      return { messageId: email.messageId };
    },
    close() {},
  };
}

/** SMTP when `smtpUrl` is set, the log otherwise (SPEC §7). */
export function createMailer(smtpUrl: string | undefined, log: MailLog, timeouts: Partial<SmtpTimeouts> = {}): Mailer {
  return smtpUrl ? createSmtpMailer(smtpUrl, timeouts) : createLogMailer(log);
}
