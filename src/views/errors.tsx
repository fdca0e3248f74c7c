import { Layout, type Viewer } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many requests',
  500: 'Something went wrong',
};

export function ErrorPage({ status, message, viewer }: { status: number; message: string; viewer?: Viewer | null }) {
  const title = TITLES[status] ?? 'Error';
  return (
    <Layout title={title} viewer={viewer}>
      <article class="error-page">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Back to the start</a>
        </p>
      </article>
    </Layout>
  );
}
