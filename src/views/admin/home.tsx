/** /admin/: the data browser's index. */
import { Layout } from '../layout.js';
import type { PageBase } from './frame.js';

const SECTIONS = [
  ['/admin/tickets/', 'Tickets'],
  ['/admin/users/', 'Users'],
  ['/admin/events/', 'Events'],
  ['/admin/emails/', 'Emails'],
  ['/admin/inbound/', 'Inbound mail'],
  ['/admin/audit/', 'Audit log'],
] as const;

/** "3 failed, 1 bounced — …": what of the outbox needs an admin, or what the list holds. */
function emailsNote(failed: number, bounced: number): string {
  const problems = [failed > 0 ? `${failed} failed` : '', bounced > 0 ? `${bounced} bounced` : ''].filter(Boolean);
  return problems.length > 0 ? `${problems.join(', ')} — see them here` : 'the outbox: queued, sent, failed and bounced emails';
}

export function AdminIndexPage({ viewer, csrf, flash, pending, failedEmails, bouncedEmails }: PageBase & { pending: number; failedEmails: number; bouncedEmails: number }) {
  const notes: Record<string, string> = {
    '/admin/tickets/': `${pending} waiting in the queue`,
    '/admin/users/': 'agents and admins: capacity, deactivation',
    '/admin/events/': 'every change of agent or status',
    '/admin/emails/': emailsNote(failedEmails, bouncedEmails),
    '/admin/inbound/': 'every mail received, what became of it, and its original',
    '/admin/audit/': 'every admin action and sign-in: who, when, from where, what changed',
  };
  return (
    <Layout title="Data" viewer={viewer} csrf={csrf} flash={flash}>
      <h1>Data</h1>
      <div class="grid">
        {SECTIONS.map(([href, label]) => (
          <article>
            <header>
              <a href={href}>
                <strong>{label}</strong>
              </a>
            </header>
            <p data-section={label.toLowerCase()}>{notes[href]}</p>
          </article>
        ))}
      </div>
    </Layout>
  );
}
