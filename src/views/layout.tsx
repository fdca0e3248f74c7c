import type { ComponentChildren } from 'preact';
import type { AdminNotice } from '../core/notices.js';

/** Who is looking at a page, as the layout needs it. */
export interface Viewer {
  username: string;
  displayName: string;
  role: 'agent' | 'admin';
  presence: 'offline' | 'available' | 'away';
  /** Warnings shown on every page while they hold (admins: core/notices.ts). */
  notices?: readonly AdminNotice[] | undefined;
}

export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
  /**
   * The reference of the pending close the message announces ("Closing HD-2. Undo it…"): the live
   * pages take the message away once they no longer show that close pending (it committed, or was undone).
   */
  closing?: string;
  /**
   * The reference of the ticket whose Close or Undo button sent the message: app.js puts the keyboard
   * focus back on that ticket's close control (now Undo, or Close again), or on the message when the
   * control is gone, and has the message describe it, so a keyboard user goes on where they were.
   */
  control?: string;
  /** What happened, for a page's script (`data-flash-event`): the staff ticket page forgets its saved draft once it was sent. */
  event?: 'message-sent';
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
  /** `data-*` attributes of <main>, which a page's script reads (e.g. the staff ticket page's ids). */
  data?: Record<string, string | number>;
  /** When the page was rendered, on a page with live countdowns: app.js counts from the server's clock. */
  now?: number;
}

type NavLink = [href: string, label: string];

/**
 * More sections than this and they get a row of their own under the brand and the user (the
 * admin's ten took three rows, 265 px of a 1,280 px screen, when all shared one wrapping row).
 */
const MANY_SECTIONS = 4;

const NAV: Record<'visitor' | 'agent' | 'admin', NavLink[]> = {
  visitor: [
    ['/tickets/create/', 'New request'],
    ['/agents/login/', 'Staff login'],
  ],
  agent: [['/agents/dashboard/', 'My tickets']],
  admin: [
    ['/adminapp/dashboard/', 'Dashboard'],
    ['/admin/', 'Data'],
    ['/adminapp/register/', 'Register'],
    ['/adminapp/settings/', 'Settings'],
    ['/adminapp/replies/', 'Canned replies'],
    ['/adminapp/calendars/', 'Calendars'],
    ['/adminapp/forecast/', 'Forecast'],
    ['/adminapp/webhooks/', 'Webhooks'],
    ['/adminapp/teams/', 'Teams'],
    ['/api/docs', 'API docs'],
  ],
};

function Nav({ viewer, csrf }: { viewer: Viewer | null | undefined; csrf: string | undefined }) {
  const links = NAV[viewer?.role ?? 'visitor'];
  return (
    <nav class={links.length > MANY_SECTIONS ? 'container many-sections' : 'container'} aria-label="Main">
      <ul class="brand">
        <li>
          <a href={links[0]![0]} class="brand">
            <strong>Helpdesk</strong>
          </a>
        </li>
      </ul>
      <ul class="sections">
        {links.map(([href, label]) => (
          // app.js marks the link of the current section with aria-current.
          <li>
            <a href={href}>{label}</a>
          </li>
        ))}
      </ul>
      {viewer && (
        <ul class="who-group">
          <li class="who" data-viewer={viewer.username}>
            <a href="/agents/account/" title="My account">
              {viewer.displayName}
            </a>
          </li>
          {csrf && (
            <li>
              <form method="post" action="/agents/logout/" class="inline-form">
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit" class="secondary outline small">
                  Log out<span class="visually-hidden"> {viewer.displayName}</span>
                </button>
              </form>
            </li>
          )}
        </ul>
      )}
    </nav>
  );
}

/**
 * The shared page frame: a skip link, navigation per role (visitor, agent, admin), the one-time
 * flash message of the last action, and the page's content in <main>.
 */
export function Layout({ title, viewer, csrf, flash, children, scripts = [], data = {}, now }: LayoutProps) {
  const dataAttributes = Object.fromEntries(Object.entries(data).map(([name, value]) => [`data-${name}`, String(value)]));
  return (
    <html lang="en" data-theme="light" data-server-now={now}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Helpdesk`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/vendor/pico.min.css" />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src="/static/app.js"></script>
        {scripts.map((src) => (
          <script type="module" src={`/static/${src}`}></script>
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header>
          <Nav viewer={viewer} csrf={csrf} />
        </header>
        <main class="container" id="main" tabindex={-1} {...dataAttributes}>
          {viewer?.notices?.map((notice) => (
            <p class="flash flash-warning site-notice" data-notice={notice.name}>
              <strong>Warning:</strong> {notice.message} <a href={notice.link.href}>{notice.link.label}</a>
            </p>
          ))}
          {flash && (
            <p id="flash" class={`flash flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'} data-flash={flash.kind} data-flash-closing={flash.closing} data-flash-control={flash.control} data-flash-event={flash.event}>
              {flash.message}
            </p>
          )}
          {children}
        </main>
        <footer class="container">Helpdesk · every request gets a reference and an email at each step.</footer>
      </body>
    </html>
  );
}
