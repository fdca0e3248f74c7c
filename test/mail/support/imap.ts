/** What the IMAP tests share: customers' mails as raw text, and a logger that keeps what it is told. */
import type { WatcherLogger } from '../../../src/mail/inbound/imap.js';
import { customerMail } from './customer-mail.js';

export interface MailOptions {
  from: string;
  subject: string;
  body: string;
  messageId: string;
  /** Message-ID this mail answers (In-Reply-To and References). */
  inReplyTo?: string;
}

/** A plain-text mail as a customer's mail program writes it. */
export function rawMail(mail: MailOptions): string {
  const answers = mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {};
  return customerMail({ from: mail.from, to: 'Support <support@helpdesk.test>', subject: mail.subject, text: mail.body, messageId: mail.messageId, ...answers }).toString('utf8');
}

/** Mail number `n` of a batch `tag`, each from its own customer (the hourly cap is per sender). */
export function numberedMail(tag: string, n: number): string {
  return rawMail({
    from: `Customer ${n} <customer-${tag}-${n}@example.test>`,
    subject: `${tag} question ${n}`,
    body: `Question number ${n} of ${tag}.`,
    messageId: `<${tag}-${n}@example.test>`,
  });
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps every line (tests read what the watcher said). */
export function keptLog(): WatcherLogger & { entries: LogEntry[]; said(message: string): LogEntry[] } {
  const entries: LogEntry[] = [];
  const keep = (level: LogEntry['level']) => (fields: Record<string, unknown>, message: string) => void entries.push({ level, fields, message });
  return {
    entries,
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
    said: (message) => entries.filter((e) => e.message === message),
  };
}

/** Waits until `check` holds, looking every `everyMs` (an IMAP look opens a connection: not too often). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
