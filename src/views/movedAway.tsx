/** An agent's ticket page after the ticket went to someone else (§9, R3, R6): where it went, and the message they were sending, kept to copy; and a message sent to a ticket the writer cannot see. */
import { landingOf } from '../http/links.js';
import { Time } from './components.js';
import { Layout, type Viewer } from './layout.js';

export function MovedAwayPage({ viewer, csrf, text, movedAt, draft }: { viewer: Viewer; csrf: string; text: string; movedAt: number; draft: string | null }) {
  return (
    <Layout title="No longer yours" viewer={viewer} csrf={csrf}>
      <article class="error-page" data-status="403" data-moved-away>
        <h1>No longer yours</h1>
        <p>
          {text} <small>(<Time ms={movedAt} />)</small>
        </p>
        {draft !== null && <UnsentDraft draft={draft} />}
        <p class="next-steps">
          <a href={landingOf(viewer.role)}>Your dashboard</a>
        </p>
      </article>
    </Layout>
  );
}

/** The message a refused post was sending, kept to copy (the browser's form is gone). */
function UnsentDraft({ draft }: { draft: string }) {
  return (
    <section aria-labelledby="unsent-title">
      <h2 id="unsent-title">Your message was not sent</h2>
      <label for="unsent">
        Copy it if you still need it:
        <textarea id="unsent" readonly rows={8}>
          {draft}
        </textarea>
      </label>
    </section>
  );
}

/**
 * A message sent to a ticket the writer may not see (404): one it never held that another agent
 * took from the queue meanwhile, or none at all. The same words either way, so it tells nothing of
 * other agents' tickets; the message is kept to copy.
 */
export function NotSentPage({ viewer, csrf, reference, draft }: { viewer: Viewer; csrf: string; reference: string; draft: string }) {
  return (
    <Layout title="Not sent" viewer={viewer} csrf={csrf}>
      <article class="error-page" data-status="404">
        <h1>Not sent</h1>
        <p>{reference} is not a ticket you can see now: if it was waiting in the queue, another agent may have taken it.</p>
        <UnsentDraft draft={draft} />
        <p class="next-steps">
          <a href={landingOf(viewer.role)}>Your dashboard</a>
        </p>
      </article>
    </Layout>
  );
}
