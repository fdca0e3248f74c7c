/** Received mail for the admin tests: raw messages as a mail client writes them, through the real pipeline. */
import type { InboundSource } from '../../src/db/schema.js';
import { DEFAULT_INBOUND_SETTING, type InboundOutcome, type InboundSetting, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import type { ServiceContext } from '../../src/services/context.js';
import { customerMail, type CustomerMailFields } from '../mail/support/customer-mail.js';

export type MailParts = CustomerMailFields;

let sequence = 0;

/** A raw message (test/mail/support/customer-mail.ts) with a fresh Message-ID unless one is given. */
export function rawMail(parts: MailParts = {}): Buffer {
  const messageId = parts.messageId === undefined ? `<m${++sequence}.${Date.now()}@customer.example>` : parts.messageId;
  return customerMail({ from: 'Carla Customer <carla@example.com>', to: 'support@helpdesk.test', text: parts.html === undefined ? 'It is on fire.' : undefined, ...parts, messageId });
}

const intakes = new WeakMap<ServiceContext, TicketIntake>();

/** Hands a raw mail to the one pipeline every source uses (services/inbound.ts). */
export function ingest(ctx: ServiceContext, raw: Buffer, source: InboundSource = 'http', setting: InboundSetting = DEFAULT_INBOUND_SETTING): Promise<InboundOutcome> {
  let intake = intakes.get(ctx);
  if (!intake) intakes.set(ctx, (intake = new TicketIntake(ctx)));
  return ingestMail(ctx, intake, setting, raw, source);
}
