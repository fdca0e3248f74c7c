/** /admin/: the data browser's index. */
import { Layout } from '../layout.js';
import type { PageBase } from './frame.js';

const SECTIONS = [
  ['/admin/tickets/', 'Tickets'],
  ['/admin/users/', 'Users'],
  ['/admin/events/', 'Events'],
  ['/admin/emails/', 'Emails'],
] as const;

export function AdminIndexPage({ viewer, csrf, flash, pending, failedEmails }: PageBase & { pending: number; failedEmails: number }) {
  const notes: Record<string, string> = {
    '/admin/tickets/': `${pending} waiting in the queue`,
    '/admin/users/': 'agents and admins: capacity, deactivation',
    '/admin/events/': 'every change of agent or status',
    '/admin/emails/': failedEmails > 0 ? `${failedEmails} failed — retry them here` : 'the outbox: queued, sent and failed emails',
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
