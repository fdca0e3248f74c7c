import { landingOf } from '../http/links.js';
import { Layout, type Viewer } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** An error as a page a person can act on: what happened, and where to go from here (staff: their dashboard, under their own header). */
export function ErrorPage({ status, message, viewer, csrf }: { status: number; message: string; viewer?: Viewer | null; csrf?: string | undefined }) {
  const title = TITLES[status] ?? 'Error';
  return (
    <Layout title={title} viewer={viewer} csrf={csrf}>
      <article class="error-page" data-status={status}>
        <p class="status-code" aria-hidden="true">
          {status}
        </p>
        <h1>{title}</h1>
        <p>{message}</p>
        <p class="next-steps">
          {viewer ? (
            <a href={landingOf(viewer.role)}>Your dashboard</a>
          ) : (
            <>
              <a href="/tickets/create/">Send a request</a>
              <a href="/agents/login/">Staff login</a>
            </>
          )}
        </p>
      </article>
    </Layout>
  );
}
