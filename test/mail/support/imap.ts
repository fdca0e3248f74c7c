/** What the IMAP tests share: customers' mails as raw text, and a logger that keeps what it is told. */
import type { WatcherLogger } from '../../../src/mail/inbound/imap.js';

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
  const lines = [
    `From: ${mail.from}`,
    'To: Support <support@helpdesk.test>',
    `Subject: ${mail.subject}`,
    `Message-ID: ${mail.messageId}`,
    'Date: Wed, 02 Dec 2026 10:00:00 +0000',
    ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`, `References: ${mail.inReplyTo}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    mail.body,
    '',
  ];
  return lines.join('\r\n');
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
