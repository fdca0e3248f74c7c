import type { ComponentChildren } from 'preact';

/** Who is looking at a page, as the layout needs it. */
export interface Viewer {
  username: string;
  displayName: string;
  role: 'agent' | 'admin';
  presence: 'offline' | 'available' | 'away';
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
}

export interface LayoutProps {
  title: string;
  viewer?: Viewer | null;
  /** Needed for the logout form when someone is logged in. */
  csrf?: string;
  flash?: Flash | null;
  children: ComponentChildren;
  /** Page-specific browser modules, served from /static/. */
  scripts?: string[];
}

function Nav({ viewer, csrf }: { viewer: Viewer | null | undefined; csrf: string | undefined }) {
  return (
    <nav class="container">
      <ul>
        <li>
          <a href={viewer ? (viewer.role === 'admin' ? '/adminapp/dashboard/' : '/agents/dashboard/') : '/tickets/create/'} class="brand">
            <strong>Helpdesk</strong>
          </a>
        </li>
      </ul>
      <ul>
        {!viewer && (
          <>
            <li>
              <a href="/tickets/create/">New request</a>
            </li>
            <li>
              <a href="/agents/login/">Staff login</a>
            </li>
          </>
        )}
        {viewer?.role === 'agent' && (
          <li>
            <a href="/agents/dashboard/">My tickets</a>
          </li>
        )}
        {viewer?.role === 'admin' && (
          <>
            <li>
              <a href="/adminapp/dashboard/">Dashboard</a>
            </li>
            <li>
              <a href="/admin/">Data</a>
            </li>
            <li>
              <a href="/adminapp/register/">Register</a>
            </li>
            <li>
              <a href="/adminapp/settings/">Settings</a>
            </li>
          </>
        )}
        {viewer && csrf && (
          <li>
            <form method="post" action="/agents/logout/" class="inline-form">
              <input type="hidden" name="_csrf" value={csrf} />
              <button type="submit" class="secondary outline small">
                Log out {viewer.displayName}
              </button>
            </form>
          </li>
        )}
      </ul>
    </nav>
  );
}

/** The shared page frame: navigation per role, flash message, main content. */
export function Layout({ title, viewer, csrf, flash, children, scripts = [] }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Helpdesk`}</title>
        <link rel="stylesheet" href="/static/vendor/pico.min.css" />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src="/static/app.js"></script>
        {scripts.map((src) => (
          <script type="module" src={`/static/${src}`}></script>
        ))}
      </head>
      <body>
        <header>
          <Nav viewer={viewer} csrf={csrf} />
        </header>
        <main class="container">
          {flash && (
            <p class={`flash flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
              {flash.message}
            </p>
          )}
          {children}
        </main>
      </body>
    </html>
  );
}
