/** Received mail for the admin tests: raw messages as a mail client writes them, through the real pipeline. */
import type { InboundSource } from '../../src/db/schema.js';
import { DEFAULT_INBOUND_SETTING, type InboundOutcome, type InboundSetting, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import type { ServiceContext } from '../../src/services/context.js';

export interface MailParts {
  /** The whole From header value; null leaves the header out. */
  from?: string | null;
  subject?: string;
  text?: string;
  /** An HTML part (alone, or beside `text` as multipart/alternative). */
  html?: string;
  /** null leaves the header out. */
  messageId?: string | null;
  /** More header lines, such as Auto-Submitted. */
  headers?: Record<string, string>;
  /** Files (the message becomes multipart/mixed). */
  files?: { filename: string; contentType: string; content: Buffer }[];
}

let sequence = 0;

/** A raw RFC 5322 message (UTF-8, 8bit) with a fresh Message-ID unless one is given. */
export function rawMail(parts: MailParts = {}): Buffer {
  const id = parts.messageId === undefined ? `<m${++sequence}.${Date.now()}@customer.example>` : parts.messageId;
  const head = [
    ...(parts.from === null ? [] : [`From: ${parts.from ?? 'Carla Customer <carla@example.com>'}`]),
    'To: support@helpdesk.test',
    `Subject: ${parts.subject ?? 'Printer on fire'}`,
    ...(id === null ? [] : [`Message-ID: ${id}`]),
    'Date: Fri, 27 Nov 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    ...Object.entries(parts.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  const text = parts.text ?? 'It is on fire.';
  let body: string[];
  if (parts.html === undefined) {
    body = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text];
  } else if (parts.text === undefined) {
    body = ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', parts.html];
  } else {
    const boundary = 'b-alternative';
    body = [
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      parts.html,
      `--${boundary}--`,
    ];
  }
  if (parts.files?.length) {
    const boundary = 'b-mixed';
    const files = parts.files.flatMap((f) => [
      `--${boundary}`,
      `Content-Type: ${f.contentType}; name="${f.filename}"`,
      `Content-Disposition: attachment; filename="${f.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      f.content.toString('base64'),
    ]);
    body = [`Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...body, ...files, `--${boundary}--`];
  }
  return Buffer.from([...head, ...body, ''].join('\r\n'), 'utf8');
}

const intakes = new WeakMap<ServiceContext, TicketIntake>();

/** Hands a raw mail to the one pipeline every source uses (services/inbound.ts). */
export function ingest(ctx: ServiceContext, raw: Buffer, source: InboundSource = 'http', setting: InboundSetting = DEFAULT_INBOUND_SETTING): Promise<InboundOutcome> {
  let intake = intakes.get(ctx);
  if (!intake) intakes.set(ctx, (intake = new TicketIntake(ctx)));
  return ingestMail(ctx, intake, setting, raw, source);
}
