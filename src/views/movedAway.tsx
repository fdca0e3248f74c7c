/** An agent's ticket page after the ticket went to someone else (§9, R3, R6): where it went, and the message they were sending, kept to copy. */
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
        {draft !== null && (
          <section aria-labelledby="unsent-title">
            <h2 id="unsent-title">Your message was not sent</h2>
            <label for="unsent">
              Copy it if you still need it:
              <textarea id="unsent" readonly rows={8}>
                {draft}
              </textarea>
            </label>
          </section>
        )}
        <p class="next-steps">
          <a href={landingOf(viewer.role)}>Your dashboard</a>
        </p>
      </article>
    </Layout>
  );
}
