import { BODY_STYLE, type EmailContent, escapeHtml, headerSafe, htmlLines, timeIn } from './layout.js';

/** What the admins' email about a disabled webhook endpoint says (§13). */
export interface WebhookDisabledData {
  url: string;
  failingSince: number;
  /** The desk's time zone (core/mailTime.ts). */
  timeZone: string;
  lastError: string;
  /** The endpoint's page, with its delivery log and the switch to turn it on again. */
  pageUrl: string;
}

/** To the active admins, once, when an endpoint failing for a day is turned off. */
export function webhookDisabled(data: WebhookDisabledData): EmailContent {
  const subject = headerSafe(`Webhook endpoint disabled: ${data.url}`.slice(0, 290));
  const paragraphs = [
    `The webhook endpoint ${data.url} has failed every delivery since ${timeIn(data, data.failingSince)}, so it has been disabled: no events are sent to it until it is turned on again.`,
    `The last failure: ${data.lastError}`,
    'Its deliveries that have not gone out wait in its log; turning the endpoint on again sends them.',
  ];
  const text = ['Hello team,', '', ...paragraphs.flatMap((p) => [p, '']), `The endpoint and its delivery log: ${data.pageUrl}`, '', '— Helpdesk'].join('\n');
  const html = `<!doctype html><html><body style="${BODY_STYLE}">
<p>Hello team,</p>
${paragraphs.map((p) => `<p>${htmlLines(p)}</p>`).join('\n')}
<p><a href="${escapeHtml(data.pageUrl)}">The endpoint and its delivery log</a></p>
<p>— Helpdesk</p>
</body></html>`;
  return { subject, text, html };
}
