/**
 * Tickets created the way customers create them: validated and stored by TicketIntake, the group
 * commit intake behind the form and the API (src/services/intake.ts). One intake per service
 * context, as a server process has one, so submissions made together are committed together as
 * in production; a submission made alone is written at once, in its own transaction.
 */
import type { TicketRow } from '../../src/db/schema.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';

const intakes = new WeakMap<ServiceContext, TicketIntake>();

/** A customer's form or API body through the production intake; resolves with the committed ticket. */
export function intakeTicket(ctx: ServiceContext, raw: Record<string, unknown>): Promise<TicketRow> {
  let intake = intakes.get(ctx);
  if (!intake) intakes.set(ctx, (intake = new TicketIntake(ctx)));
  return intake.submit(raw);
}
