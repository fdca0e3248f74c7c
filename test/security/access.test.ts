/**
 * Who may use which route (SPEC §1, §8): every route the app has, listed from the app itself, ×
 * {anonymous, the agent the thing belongs to, another agent, an admin}. Each answer is the one in
 * the table, and a refused request changes nothing in the database. A route missing from the table
 * fails the test, so a new route cannot slip in unreviewed.
 *
 * IDOR: an agent cannot view, close or reassign another agent's ticket by guessing its id or
 * reference, in pages or in the API.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { apiAttachmentPath, customerAttachmentPath, mailOriginalPath, staffAttachmentPath } from '../../src/http/links.js';
import { reassignTicket } from '../../src/services/admin.js';
import { parseCalendar } from '../../src/core/calendar.js';
import { saveCalendar } from '../../src/services/calendars.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { createSkill, saveTeam, saveTopic } from '../../src/services/teams.js';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { csatToken } from '../../src/services/csat.js';
import { closeTicket } from '../../src/services/tickets.js';
import { intakeTicket } from '../support/intake.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ingest, rawMail as loggedMail } from '../admin/mail.js';
import { ApiClient } from '../api/support.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { rawMail } from '../mail/support/raw-mail.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { berlinOffice } from '../support/calendars.js';
import { DIALECTS } from '../support/db.js';
import { routeCollector, type RouteKey, sameSnapshot, type Snapshot, snapshot } from '../support/snapshot.js';
import { settledAsDelivered } from '../support/webhookEvents.js';

const ROLES = ['anonymous', 'agent', 'otherAgent', 'admin'] as const;
type Role = (typeof ROLES)[number];

/** An expected answer: a status, or `login` (303 to the login page, which is a refusal). */
type Expected = number | 'login';

interface Fixtures {
  /** Open, held by the agent (alice). */
  mine: number;
  /** Open, held by the other agent (bob). */
  theirs: number;
  /** Waiting in the queue. */
  pending: number;
  mineToken: string;
  /** The rating token of a closed ticket (§13). */
  ratingToken: string;
  /** An agent to act on in the admin's user pages. */
  target: number;
  /** An API token of the target. */
  targetToken: number;
  /** The `created` email of `mine`. */
  email: number;
  /** A canned reply (§9). */
  canned: number;
  /** A file on a public reply on `mine`, as its routes name it. */
  file: { id: number; filename: string };
  /** A message on `mine` that came by mail (its original is a page, §10). */
  mailMessage: number;
  /** A received mail in the inbound log (§10). */
  mail: number;
  /** A business-hours calendar nothing uses (§11). */
  calendar: number;
  /** A webhook endpoint taking ticket.created (§13), and one of its deliveries. */
  webhook: number;
  delivery: number;
  /** A team without tickets or topics, a topic and a skill nothing requires (§12). */
  team: number;
  topic: number;
  skill: number;
  /** The target agent's username. */
  targetName: string;
  seq: number;
}

interface Case {
  route: string;
  /** Concrete requests to make for the route (default: one, at the route's own path). */
  url: (fx: Fixtures) => string;
  form?: (fx: Fixtures) => Record<string, string>;
  json?: (fx: Fixtures) => unknown;
  /** A raw mail for the inbound route (§10), sent as `message/rfc822`. */
  mail?: (fx: Fixtures) => string;
  expect: Record<Role, Expected>;
}

const all = (status: Expected): Record<Role, Expected> => ({ anonymous: status, agent: status, otherAgent: status, admin: status });
const adminOnly = (ok: number): Record<Role, Expected> => ({ anonymous: 'login', agent: 403, otherAgent: 403, admin: ok });
const apiAdminOnly = (ok: number): Record<Role, Expected> => ({ anonymous: 401, agent: 403, otherAgent: 403, admin: ok });

/** The staffing forecast (§14) over the fixtures' tickets: yesterday to today. */
const forecastWindow = () => ({ from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10), k_max: '3' });

const TICKET = { name: 'Carla', email: 'carla@example.com', description: 'Help', priority: 'low' };

/** The table: every route of the app. */
const CASES: Case[] = [
  // Public pages and files.
  { route: 'GET /', url: () => '/', expect: all(302) },
  { route: 'GET /static/*', url: () => '/static/app.css', expect: all(200) },
  { route: 'GET /static/vendor/*', url: () => '/static/vendor/pico.min.css', expect: all(200) },
  { route: 'GET /static/vendor/chart/*', url: () => '/static/vendor/chart/chart.umd.min.js', expect: all(200) },
  { route: 'GET /tickets/create/', url: () => '/tickets/create/', expect: all(200) },
  { route: 'POST /tickets/create/', url: () => '/tickets/create/', form: (fx) => ({ ...TICKET, title: `Form ${fx.seq}` }), expect: all(303) },
  { route: 'GET /tickets/createsuccess/', url: (fx) => `/tickets/createsuccess/?t=${fx.mineToken}`, expect: all(200) },
  { route: 'GET /tickets/status/:token/', url: (fx) => `/tickets/status/${fx.mineToken}/`, expect: all(200) },
  // Whoever holds the status link has the ticket's public files (§10.1).
  { route: 'GET /tickets/status/:token/attachments/:id/*', url: (fx) => customerAttachmentPath(fx.mineToken, fx.file), expect: all(200) },
  // The status token is the key: whoever holds it may write (§9), logged in or not.
  { route: 'GET /tickets/status/:token/reply/', url: (fx) => `/tickets/status/${fx.mineToken}/reply/`, expect: all(303) },
  { route: 'POST /tickets/status/:token/reply/', url: (fx) => `/tickets/status/${fx.mineToken}/reply/`, form: (fx) => ({ body: `Any news? ${fx.seq}` }), expect: all(303) },
  // The rating token is the key (§13): whoever holds the closed email's link may rate; the GET writes nothing.
  { route: 'GET /tickets/rate/:token/', url: (fx) => `/tickets/rate/${fx.ratingToken}/?score=good`, expect: all(200) },
  { route: 'POST /tickets/rate/:token/', url: (fx) => `/tickets/rate/${fx.ratingToken}/`, form: (fx) => ({ score: 'bad', comment: `Rated ${fx.seq}` }), expect: all(303) },
  { route: 'GET /healthz', url: () => '/healthz', expect: all(200) },
  { route: 'GET /metrics', url: () => '/metrics', expect: all(200) },
  // Staff login and the agent's own pages.
  { route: 'GET /agents/login/', url: () => '/agents/login/', expect: { anonymous: 200, agent: 303, otherAgent: 303, admin: 303 } },
  // A wrong password: refused for everyone, and a failed login writes nothing.
  { route: 'POST /agents/login/', url: () => '/agents/login/', form: () => ({ username: 'alice', password: 'not-the-password' }), expect: all(401) },
  // Logged in, the stream opens (checked over a real socket below); anonymous gets 401.
  { route: 'GET /agents/events/', url: () => '/agents/events/', expect: { anonymous: 401, agent: 200, otherAgent: 200, admin: 200 } },
  { route: 'GET /agents/dashboard/', url: () => '/agents/dashboard/', expect: { anonymous: 'login', agent: 200, otherAgent: 200, admin: 303 } },
  {
    route: 'POST /agents/tickets/:id/close/',
    url: (fx) => `/agents/tickets/${fx.mine}/close/`,
    form: () => ({}),
    expect: { anonymous: 'login', agent: 303, otherAgent: 403, admin: 303 },
  },
  // Undo of a pending close (issue 23): the ticket's agent or an admin; nothing pending is not an error.
  {
    route: 'POST /agents/tickets/:id/close/undo/',
    url: (fx) => `/agents/tickets/${fx.mine}/close/undo/`,
    form: () => ({}),
    expect: { anonymous: 'login', agent: 303, otherAgent: 403, admin: 303 },
  },
  // The staff ticket page (§9): another agent's ticket does not exist for it (404), as in the API.
  { route: 'GET /agents/tickets/:id/', url: (fx) => `/agents/tickets/${fx.mine}/`, expect: { anonymous: 'login', agent: 200, otherAgent: 404, admin: 200 } },
  {
    route: 'POST /agents/tickets/:id/messages/',
    url: (fx) => `/agents/tickets/${fx.mine}/messages/`,
    form: () => ({ kind: 'note', body: 'A note' }),
    expect: { anonymous: 'login', agent: 303, otherAgent: 404, admin: 303 },
  },
  // Taking a copied person off (§10 Cc): the ticket's agent or an admin; someone not copied changes nothing (303).
  {
    route: 'POST /agents/tickets/:id/copied/remove/',
    url: (fx) => `/agents/tickets/${fx.mine}/copied/remove/`,
    form: () => ({ address: 'nobody@customer.example' }),
    expect: { anonymous: 'login', agent: 303, otherAgent: 404, admin: 303 },
  },
  // A message's original mail (§10): whoever sees the ticket; another agent's ticket does not exist for it.
  {
    route: 'GET /agents/tickets/:id/messages/:messageId/original/',
    url: (fx) => mailOriginalPath(fx.mine, fx.mailMessage),
    expect: { anonymous: 'login', agent: 200, otherAgent: 404, admin: 200 },
  },
  // Another agent's file does not exist for it (404), as for a guessed id.
  { route: 'GET /agents/attachments/:id/*', url: (fx) => staffAttachmentPath(fx.file), expect: { anonymous: 'login', agent: 200, otherAgent: 404, admin: 200 } },
  { route: 'POST /agents/availability/', url: () => '/agents/availability/', form: () => ({ status: 'away' }), expect: { anonymous: 'login', agent: 303, otherAgent: 303, admin: 303 } },
  // Staff accounts' own doors (§15): reset by email for anyone (the same answer whoever asks), the
  // reset link's page for whoever holds the link (a forged one: 400 and nothing changed for all),
  // and the account page for the signed-in staff member, about themselves only.
  { route: 'GET /agents/password/reset/', url: () => '/agents/password/reset/', expect: all(200) },
  { route: 'POST /agents/password/reset/', url: () => '/agents/password/reset/', form: () => ({ email: 'alice@team.test' }), expect: all(200) },
  { route: 'GET /agents/password/reset/:token/', url: () => `/agents/password/reset/${'F'.repeat(43)}/`, expect: all(400) },
  { route: 'POST /agents/password/reset/:token/', url: () => `/agents/password/reset/${'F'.repeat(43)}/`, form: () => ({ password: 'forged secret', password_confirm: 'forged secret' }), expect: all(400) },
  { route: 'GET /agents/account/', url: () => '/agents/account/', expect: { anonymous: 'login', agent: 200, otherAgent: 200, admin: 200 } },
  {
    route: 'POST /agents/account/',
    url: () => '/agents/account/',
    form: (fx) => ({ display_name: `Renamed ${fx.seq}`, email: `renamed${fx.seq}@team.test`, current_password: 'password123' }),
    expect: { anonymous: 'login', agent: 303, otherAgent: 303, admin: 303 },
  },
  // Two-factor sign-in (§15): the second step only follows a right password (its signed cookie);
  // without one, everyone is sent back to the login. Enrolment and turning off: one's own account.
  { route: 'GET /agents/login/two-factor/', url: () => '/agents/login/two-factor/', expect: all(303) },
  { route: 'POST /agents/login/two-factor/', url: () => '/agents/login/two-factor/', form: () => ({ code: '123456' }), expect: all(303) },
  { route: 'GET /agents/account/two-factor/', url: () => '/agents/account/two-factor/', expect: { anonymous: 'login', agent: 200, otherAgent: 200, admin: 200 } },
  { route: 'POST /agents/account/two-factor/', url: () => '/agents/account/two-factor/', form: () => ({ code: '123456', enrolment: 'forged' }), expect: { anonymous: 'login', agent: 400, otherAgent: 400, admin: 400 } },
  // Single sign-on (§15): none without OIDC_ISSUER (set up, it is covered end to end in test/sso/login.test.ts).
  { route: 'POST /agents/login/sso/', url: () => '/agents/login/sso/', form: () => ({}), expect: all(404) },
  { route: 'GET /agents/login/sso/callback/', url: () => '/agents/login/sso/callback/?code=forged&state=forged', expect: all(404) },
  // Nobody in the fixture has a second factor: nothing to renew or turn off (409), nothing written.
  { route: 'POST /agents/account/two-factor/codes/', url: () => '/agents/account/two-factor/codes/', form: () => ({ current_password: 'password123' }), expect: { anonymous: 'login', agent: 409, otherAgent: 409, admin: 409 } },
  { route: 'POST /agents/account/two-factor/off/', url: () => '/agents/account/two-factor/off/', form: () => ({ current_password: 'password123' }), expect: { anonymous: 'login', agent: 409, otherAgent: 409, admin: 409 } },
  { route: 'POST /adminapp/settings/two-factor/', url: () => '/adminapp/settings/two-factor/', form: () => ({ required: 'off' }), expect: adminOnly(303) },
  { route: 'POST /admin/users/:id/two-factor/reset/', url: (fx) => `/admin/users/${fx.target}/two-factor/reset/`, form: () => ({}), expect: adminOnly(303) },
  // Logout is checked separately (it ends the session the other cases use).
  { route: 'POST /agents/logout/', url: () => '/agents/logout/', form: () => ({}), expect: all(303) },
  // Admin pages.
  { route: 'GET /adminapp/dashboard/', url: () => '/adminapp/dashboard/', expect: adminOnly(200) },
  { route: 'GET /adminapp/dashboard/data.json', url: () => '/adminapp/dashboard/data.json', expect: adminOnly(200) },
  { route: 'GET /adminapp/register/', url: () => '/adminapp/register/', expect: adminOnly(200) },
  {
    route: 'POST /adminapp/register/',
    url: () => '/adminapp/register/',
    form: (fx) => ({ username: `new${fx.seq}`, display_name: 'New Agent', email: `new${fx.seq}@team.test`, password: 'password123', role: 'admin', capacity: '' }),
    expect: adminOnly(303),
  },
  { route: 'GET /adminapp/settings/', url: () => '/adminapp/settings/', expect: adminOnly(200) },
  {
    route: 'POST /adminapp/settings/',
    url: () => '/adminapp/settings/',
    form: () => ({ sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '5', queue_order: 'oldest' }),
    expect: adminOnly(303),
  },
  { route: 'GET /adminapp/replies/', url: () => '/adminapp/replies/', expect: adminOnly(200) },
  { route: 'POST /adminapp/replies/', url: () => '/adminapp/replies/', form: (fx) => ({ name: `New reply ${fx.seq}`, body: 'Hello' }), expect: adminOnly(303) },
  { route: 'GET /adminapp/replies/:id/', url: (fx) => `/adminapp/replies/${fx.canned}/`, expect: adminOnly(200) },
  { route: 'POST /adminapp/replies/:id/', url: (fx) => `/adminapp/replies/${fx.canned}/`, form: (fx) => ({ name: `Edited reply ${fx.seq}`, body: 'Hi' }), expect: adminOnly(303) },
  { route: 'POST /adminapp/replies/:id/delete/', url: (fx) => `/adminapp/replies/${fx.canned}/delete/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /adminapp/calendars/', url: () => '/adminapp/calendars/', expect: adminOnly(200) },
  { route: 'GET /adminapp/forecast/', url: () => `/adminapp/forecast/?${new URLSearchParams(forecastWindow())}`, expect: adminOnly(200) },
  { route: 'GET /adminapp/webhooks/', url: () => '/adminapp/webhooks/', expect: adminOnly(200) },
  { route: 'GET /adminapp/webhooks/new/', url: () => '/adminapp/webhooks/new/', expect: adminOnly(200) },
  // The answer shows the new secret, once: a page, not a redirect.
  { route: 'POST /adminapp/webhooks/new/', url: () => '/adminapp/webhooks/new/', form: (fx) => ({ url: `https://hooks.example.com/form/${fx.seq}`, events: 'ticket.created', active: 'on' }), expect: adminOnly(200) },
  { route: 'GET /adminapp/webhooks/:id/', url: (fx) => `/adminapp/webhooks/${fx.webhook}/`, expect: adminOnly(200) },
  { route: 'POST /adminapp/webhooks/:id/', url: (fx) => `/adminapp/webhooks/${fx.webhook}/`, form: (fx) => ({ url: `https://hooks.example.com/edit/${fx.seq}`, events: 'ticket.closed' }), expect: adminOnly(303) },
  { route: 'POST /adminapp/webhooks/:id/delete/', url: (fx) => `/adminapp/webhooks/${fx.webhook}/delete/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'POST /adminapp/webhooks/:id/deliveries/:delivery/retry/', url: (fx) => `/adminapp/webhooks/${fx.webhook}/deliveries/${fx.delivery}/retry/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /adminapp/calendars/new/', url: () => '/adminapp/calendars/new/', expect: adminOnly(200) },
  { route: 'POST /adminapp/calendars/new/', url: () => '/adminapp/calendars/new/', form: (fx) => ({ name: `New calendar ${fx.seq}`, time_zone: 'UTC', hours_mon: '09:00-17:00' }), expect: adminOnly(303) },
  { route: 'GET /adminapp/calendars/:id/', url: (fx) => `/adminapp/calendars/${fx.calendar}/`, expect: adminOnly(200) },
  { route: 'POST /adminapp/calendars/:id/', url: (fx) => `/adminapp/calendars/${fx.calendar}/`, form: (fx) => ({ name: `Edited calendar ${fx.seq}`, time_zone: 'UTC', hours_tue: '09:00-17:00' }), expect: adminOnly(303) },
  { route: 'POST /adminapp/calendars/:id/delete/', url: (fx) => `/adminapp/calendars/${fx.calendar}/delete/`, form: () => ({}), expect: adminOnly(303) },
  // Teams, topics and skills pages (§12): admins only.
  { route: 'GET /adminapp/teams/', url: () => '/adminapp/teams/', expect: adminOnly(200) },
  { route: 'GET /adminapp/teams/new/', url: () => '/adminapp/teams/new/', expect: adminOnly(200) },
  { route: 'POST /adminapp/teams/new/', url: () => '/adminapp/teams/new/', form: (fx) => ({ name: `Page team ${fx.seq}` }), expect: adminOnly(303) },
  { route: 'GET /adminapp/teams/:id/', url: (fx) => `/adminapp/teams/${fx.team}/`, expect: adminOnly(200) },
  { route: 'POST /adminapp/teams/:id/', url: (fx) => `/adminapp/teams/${fx.team}/`, form: (fx) => ({ name: `Edited team ${fx.seq}` }), expect: adminOnly(303) },
  { route: 'POST /adminapp/teams/:id/delete/', url: (fx) => `/adminapp/teams/${fx.team}/delete/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'POST /adminapp/teams/skills/', url: () => '/adminapp/teams/skills/', form: (fx) => ({ name: `Page skill ${fx.seq}` }), expect: adminOnly(303) },
  { route: 'POST /adminapp/teams/skills/:id/', url: (fx) => `/adminapp/teams/skills/${fx.skill}/`, form: (fx) => ({ name: `Renamed page skill ${fx.seq}` }), expect: adminOnly(303) },
  { route: 'POST /adminapp/teams/skills/:id/delete/', url: (fx) => `/adminapp/teams/skills/${fx.skill}/delete/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /adminapp/topics/', url: () => '/adminapp/topics/', expect: adminOnly(200) },
  { route: 'GET /adminapp/topics/new/', url: () => '/adminapp/topics/new/', expect: adminOnly(200) },
  { route: 'POST /adminapp/topics/new/', url: () => '/adminapp/topics/new/', form: (fx) => ({ name: `Page topic ${fx.seq}`, team: 'support' }), expect: adminOnly(303) },
  { route: 'GET /adminapp/topics/:id/', url: (fx) => `/adminapp/topics/${fx.topic}/`, expect: adminOnly(200) },
  { route: 'POST /adminapp/topics/:id/', url: (fx) => `/adminapp/topics/${fx.topic}/`, form: (fx) => ({ name: `Edited topic ${fx.seq}`, team: 'support' }), expect: adminOnly(303) },
  { route: 'POST /adminapp/topics/:id/delete/', url: (fx) => `/adminapp/topics/${fx.topic}/delete/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'POST /admin/users/:id/teams/', url: (fx) => `/admin/users/${fx.target}/teams/`, form: () => ({ teams: 'Support' }), expect: adminOnly(303) },
  { route: 'GET /admin/', url: () => '/admin/', expect: adminOnly(200) },
  { route: 'GET /admin/tickets/', url: () => '/admin/tickets/', expect: adminOnly(200) },
  { route: 'GET /admin/tickets/export.csv', url: () => '/admin/tickets/export.csv?priority=low', expect: adminOnly(200) },
  { route: 'GET /admin/tickets/:id/', url: (fx) => `/admin/tickets/${fx.mine}/`, expect: adminOnly(200) },
  { route: 'POST /admin/tickets/:id/reassign/', url: (fx) => `/admin/tickets/${fx.mine}/reassign/`, form: () => ({ agent: 'bob' }), expect: adminOnly(303) },
  { route: 'POST /admin/tickets/:id/requeue/', url: (fx) => `/admin/tickets/${fx.mine}/requeue/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'POST /admin/tickets/:id/close/', url: (fx) => `/admin/tickets/${fx.mine}/close/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /admin/users/', url: () => '/admin/users/', expect: adminOnly(200) },
  { route: 'GET /admin/users/:id/', url: (fx) => `/admin/users/${fx.target}/`, expect: adminOnly(200) },
  { route: 'POST /admin/users/:id/profile/', url: (fx) => `/admin/users/${fx.target}/profile/`, form: () => ({ display_name: 'Renamed', email: 'renamed@team.test' }), expect: adminOnly(303) },
  { route: 'POST /admin/users/:id/capacity/', url: (fx) => `/admin/users/${fx.target}/capacity/`, form: () => ({ capacity: '9' }), expect: adminOnly(303) },
  { route: 'POST /admin/users/:id/deactivate/', url: (fx) => `/admin/users/${fx.target}/deactivate/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'POST /admin/users/:id/reactivate/', url: (fx) => `/admin/users/${fx.target}/reactivate/`, form: () => ({}), expect: adminOnly(303) },
  // A new API token is shown once, in the answer itself (200, not a redirect).
  { route: 'POST /admin/users/:id/tokens/', url: (fx) => `/admin/users/${fx.target}/tokens/`, form: () => ({ name: 'script' }), expect: adminOnly(200) },
  { route: 'POST /admin/users/:id/tokens/:tokenId/revoke/', url: (fx) => `/admin/users/${fx.target}/tokens/${fx.targetToken}/revoke/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /admin/events/', url: () => '/admin/events/', expect: adminOnly(200) },
  { route: 'GET /admin/emails/', url: () => '/admin/emails/', expect: adminOnly(200) },
  { route: 'GET /admin/emails/:id/', url: (fx) => `/admin/emails/${fx.email}/`, expect: adminOnly(200) },
  { route: 'POST /admin/emails/:id/retry/', url: (fx) => `/admin/emails/${fx.email}/retry/`, form: () => ({}), expect: adminOnly(303) },
  { route: 'GET /admin/inbound/', url: () => '/admin/inbound/', expect: adminOnly(200) },
  { route: 'GET /admin/inbound/:id/', url: (fx) => `/admin/inbound/${fx.mail}/`, expect: adminOnly(200) },
  { route: 'GET /admin/inbound/:id/raw.eml', url: (fx) => `/admin/inbound/${fx.mail}/raw.eml`, expect: adminOnly(200) },
  // The API's documents are public (they describe, they do not serve data).
  { route: 'GET /api/docs', url: () => '/api/docs', expect: all(200) },
  // swagger-ui sends its old index address on to the documentation page.
  { route: 'GET /api/docs/static/index.html', url: () => '/api/docs/static/index.html', expect: all(302) },
  { route: 'GET /api/docs/static/swagger-initializer.js', url: () => '/api/docs/static/swagger-initializer.js', expect: all(200) },
  { route: 'GET /api/docs/static/*', url: () => '/api/docs/static/swagger-ui.css', expect: all(200) },
  { route: 'GET /api/docs/static/theme/helpdesk.css', url: () => '/api/docs/static/theme/helpdesk.css', expect: all(200) },
  { route: 'GET /api/docs/json', url: () => '/api/docs/json', expect: all(200) },
  { route: 'GET /api/docs/yaml', url: () => '/api/docs/yaml', expect: all(200) },
  { route: 'GET /api/openapi.json', url: () => '/api/openapi.json', expect: all(200) },
  // The JSON API: bearer tokens only.
  { route: 'POST /api/v1/tickets', url: () => '/api/v1/tickets', json: (fx) => ({ ...TICKET, title: `API ${fx.seq}` }), expect: all(201) },
  { route: 'GET /api/v1/tickets', url: () => '/api/v1/tickets', expect: { anonymous: 401, agent: 200, otherAgent: 200, admin: 200 } },
  // Another agent's ticket does not exist for it (404), as for a guessed reference.
  { route: 'GET /api/v1/tickets/:reference', url: (fx) => `/api/v1/tickets/${referenceOf(fx.mine)}`, expect: { anonymous: 401, agent: 200, otherAgent: 404, admin: 200 } },
  {
    route: 'POST /api/v1/tickets/:reference/close',
    url: (fx) => `/api/v1/tickets/${referenceOf(fx.mine)}/close`,
    json: () => undefined,
    expect: { anonymous: 401, agent: 200, otherAgent: 404, admin: 200 },
  },
  { route: 'POST /api/v1/tickets/:reference/assign', url: (fx) => `/api/v1/tickets/${referenceOf(fx.mine)}/assign`, json: () => ({ agent: 'bob' }), expect: apiAdminOnly(200) },
  { route: 'GET /api/v1/agents', url: () => '/api/v1/agents', expect: apiAdminOnly(200) },
  { route: 'PUT /api/v1/agents/me/presence', url: () => '/api/v1/agents/me/presence', json: () => ({ status: 'away' }), expect: { anonymous: 401, agent: 200, otherAgent: 200, admin: 403 } },
  { route: 'GET /api/v1/stats', url: () => '/api/v1/stats', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/forecast', url: () => '/api/v1/forecast', json: () => forecastWindow(), expect: apiAdminOnly(200) },
  // Calendars (§11): admins only.
  { route: 'GET /api/v1/calendars', url: () => '/api/v1/calendars', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/calendars', url: () => '/api/v1/calendars', json: (fx) => berlinOffice(`API calendar ${fx.seq}`), expect: apiAdminOnly(201) },
  { route: 'GET /api/v1/calendars/:id', url: (fx) => `/api/v1/calendars/${fx.calendar}`, expect: apiAdminOnly(200) },
  { route: 'PUT /api/v1/calendars/:id', url: (fx) => `/api/v1/calendars/${fx.calendar}`, json: (fx) => berlinOffice(`Replaced calendar ${fx.seq}`), expect: apiAdminOnly(200) },
  { route: 'DELETE /api/v1/calendars/:id', url: (fx) => `/api/v1/calendars/${fx.calendar}`, expect: apiAdminOnly(204) },
  // Teams, topics and skills (§12): admins only.
  { route: 'GET /api/v1/teams', url: () => '/api/v1/teams', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/teams', url: () => '/api/v1/teams', json: (fx) => ({ name: `API team ${fx.seq}` }), expect: apiAdminOnly(201) },
  { route: 'PUT /api/v1/teams/:id', url: (fx) => `/api/v1/teams/${fx.team}`, json: (fx) => ({ name: `Replaced team ${fx.seq}`, overflow_team: 'Support', overflow_after_minutes: 30 }), expect: apiAdminOnly(200) },
  { route: 'DELETE /api/v1/teams/:id', url: (fx) => `/api/v1/teams/${fx.team}`, expect: apiAdminOnly(204) },
  { route: 'GET /api/v1/topics', url: () => '/api/v1/topics', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/topics', url: () => '/api/v1/topics', json: (fx) => ({ name: `API topic ${fx.seq}`, team: 'Support' }), expect: apiAdminOnly(201) },
  { route: 'PUT /api/v1/topics/:id', url: (fx) => `/api/v1/topics/${fx.topic}`, json: (fx) => ({ name: `Replaced topic ${fx.seq}`, team: 'Support', addresses: [`t${fx.seq}@example.com`] }), expect: apiAdminOnly(200) },
  { route: 'DELETE /api/v1/topics/:id', url: (fx) => `/api/v1/topics/${fx.topic}`, expect: apiAdminOnly(204) },
  { route: 'GET /api/v1/skills', url: () => '/api/v1/skills', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/skills', url: () => '/api/v1/skills', json: (fx) => ({ name: `API skill ${fx.seq}` }), expect: apiAdminOnly(201) },
  { route: 'PUT /api/v1/skills/:id', url: (fx) => `/api/v1/skills/${fx.skill}`, json: (fx) => ({ name: `Renamed skill ${fx.seq}` }), expect: apiAdminOnly(200) },
  { route: 'DELETE /api/v1/skills/:id', url: (fx) => `/api/v1/skills/${fx.skill}`, expect: apiAdminOnly(204) },
  { route: 'PUT /api/v1/agents/:username/teams', url: (fx) => `/api/v1/agents/${fx.targetName}/teams`, json: () => ({ teams: ['Support'], skills: [] }), expect: apiAdminOnly(200) },
  { route: 'GET /api/v1/settings', url: () => '/api/v1/settings', expect: apiAdminOnly(200) },
  // Webhooks (§13): admins only.
  { route: 'GET /api/v1/webhooks', url: () => '/api/v1/webhooks', expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/webhooks', url: () => '/api/v1/webhooks', json: (fx) => ({ url: `https://hooks.example.com/api/${fx.seq}`, events: ['ticket.closed'] }), expect: apiAdminOnly(201) },
  { route: 'GET /api/v1/webhooks/:id', url: (fx) => `/api/v1/webhooks/${fx.webhook}`, expect: apiAdminOnly(200) },
  { route: 'PUT /api/v1/webhooks/:id', url: (fx) => `/api/v1/webhooks/${fx.webhook}`, json: (fx) => ({ url: `https://hooks.example.com/put/${fx.seq}`, events: '*', active: false }), expect: apiAdminOnly(200) },
  { route: 'DELETE /api/v1/webhooks/:id', url: (fx) => `/api/v1/webhooks/${fx.webhook}`, expect: apiAdminOnly(204) },
  { route: 'GET /api/v1/webhooks/:id/deliveries', url: (fx) => `/api/v1/webhooks/${fx.webhook}/deliveries`, expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/webhooks/:id/deliveries/:delivery/retry', url: (fx) => `/api/v1/webhooks/${fx.webhook}/deliveries/${fx.delivery}/retry`, expect: apiAdminOnly(200) },
  { route: 'PATCH /api/v1/settings', url: () => '/api/v1/settings', json: () => ({ email_priority: 'high', sla: { low: { next_reply: '30m' } } }), expect: apiAdminOnly(200) },
  // A ticket's thread: whoever sees the ticket (§9); another agent's ticket does not exist for it.
  { route: 'GET /api/v1/tickets/:reference/messages', url: (fx) => `/api/v1/tickets/${referenceOf(fx.mine)}/messages`, expect: { anonymous: 401, agent: 200, otherAgent: 404, admin: 200 } },
  {
    route: 'POST /api/v1/tickets/:reference/messages',
    url: (fx) => `/api/v1/tickets/${referenceOf(fx.mine)}/messages`,
    json: () => ({ kind: 'note', body: 'Access check' }),
    expect: { anonymous: 401, agent: 201, otherAgent: 404, admin: 201 },
  },
  // A received mail (§10): an admin token or an inbound-only token (checked in test/api/inbound.test.ts).
  {
    route: 'POST /api/v1/inbound/email',
    url: () => '/api/v1/inbound/email',
    mail: (fx) => rawMail({ from: `sender${fx.seq}@customer.example`, subject: `Mail ${fx.seq}` }),
    expect: apiAdminOnly(200),
  },
  { route: 'GET /api/v1/attachments/:id', url: (fx) => apiAttachmentPath(fx.file), expect: { anonymous: 401, agent: 200, otherAgent: 404, admin: 200 } },
  // The audit log and the actions it added (§15).
  { route: 'GET /admin/audit/', url: () => '/admin/audit/', expect: adminOnly(200) },
  { route: 'GET /api/v1/audit', url: () => '/api/v1/audit', expect: apiAdminOnly(200) },
  { route: 'GET /admin/audit/export.csv', url: () => '/admin/audit/export.csv', expect: adminOnly(200) },
  { route: 'GET /api/v1/tickets/export', url: () => '/api/v1/tickets/export', expect: apiAdminOnly(200) },
  { route: 'POST /adminapp/webhooks/:id/secret/', url: (fx) => `/adminapp/webhooks/${fx.webhook}/secret/`, form: () => ({}), expect: adminOnly(200) },
  { route: 'POST /api/v1/webhooks/:id/secret', url: (fx) => `/api/v1/webhooks/${fx.webhook}/secret`, expect: apiAdminOnly(200) },
  { route: 'POST /api/v1/agents/:username/two-factor/reset', url: (fx) => `/api/v1/agents/${fx.targetName}/two-factor/reset`, expect: apiAdminOnly(200) },
];

const isRefusal = (status: number, location: string | undefined) => status >= 400 || (status === 303 && (location ?? '').startsWith('/agents/login/'));

for (const dialect of DIALECTS) {
  describe(`access control over every route (${dialect})`, () => {
    let t: TestApp;
    const collector = routeCollector();
    let ids: Record<'alice' | 'bob' | 'root', number>;
    let pages: Record<Role, Client>;
    let apis: Record<Role, ApiClient>;
    let seq = 0;
    let fixtures: Fixtures | null = null;
    let intake: TicketIntake;
    const db = () => t.ctx.handle.db;

    /** Fresh tickets and a target agent after any accepted change (refusals change nothing, so they keep them). */
    async function fx(): Promise<Fixtures> {
      if (fixtures) return { ...fixtures, seq: ++seq };
      seq += 1;
      // Nobody available: new tickets wait in the queue, and the admin places them (R6).
      for (const id of [ids.alice, ids.bob]) await changePresence(t.ctx, id, 'away');
      const ticket = (title: string) => intakeTicket(t.ctx, { ...TICKET, title });
      const mine = await ticket(`Alice's secret ${seq}`);
      const theirs = await ticket(`Bob's secret ${seq}`);
      const pending = await ticket(`Waiting ${seq}`);
      await reassignTicket(t.ctx, ids.root, mine.id, 'alice');
      await reassignTicket(t.ctx, ids.root, theirs.id, 'bob');
      const done = await ticket(`Done ${seq}`);
      await closeTicket(t.ctx, { id: ids.root, role: 'admin' }, done.id);
      const target = await addStaff(t.ctx, `target${seq}`);
      const email = await db().selectFrom('outbox').select('id').where('ticket_id', '=', mine.id).where('kind', '=', 'created').executeTakeFirstOrThrow();
      const targetToken = (await createApiToken(t.ctx, target, 'old script')).id;
      const canned = await saveCannedReply(t.ctx, null, { name: `Canned ${seq}`, body: 'Hello {{customer_name}}' }, null);
      const reply = { kind: 'reply' as const, body: 'The manual', close: false, seen: null, channel: 'web' as const, files: [{ filename: 'manual.pdf', contentType: 'application/pdf', content: Buffer.from(`%PDF ${seq}`) }] };
      const [file] = (await postStaffMessage(t.ctx, { id: ids.root, role: 'admin' }, mine.id, reply)).attachments;
      const answer = customerMail({ from: TICKET.email, subject: `Re: [${referenceOf(mine.id)}] ${mine.title}`, messageId: `<access-${seq}@mail.example.com>` });
      const mailed = await ingestMail(t.ctx, intake, DEFAULT_INBOUND_SETTING, answer, 'http');
      expect(mailed).toMatchObject({ result: 'appended', ticketId: mine.id });
      const mailMessage = await db().selectFrom('messages').select('id').where('mail_key', '=', `<access-${seq}@mail.example.com>`).executeTakeFirstOrThrow();
      // An automatic mail: logged, no ticket, no email.
      expect((await ingest(t.ctx, loggedMail({ subject: `Out of office ${seq}`, headers: { 'Auto-Submitted': 'auto-replied' } }))).result).toBe('ignored');
      const mail = (await db().selectFrom('inbound_mails').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
      const calendar = (await saveCalendar(t.ctx, null, parseCalendar(berlinOffice(`Calendar ${seq}`)), null)).id;
      const webhook = (await createEndpoint(t.ctx, null, { url: `https://hooks.example.com/${seq}`, events: ['ticket.created'] }, false)).id;
      await ticket(`For the webhook ${seq}`);
      const delivery = (await settledAsDelivered(t.ctx.handle, webhook, t.ctx.clock.now()))[0]!;
      const root = { id: ids.root, username: 'root', address: '127.0.0.1' };
      const team = await saveTeam(t.ctx, root, validateTeam({ name: `Team ${seq}` }));
      const topic = await saveTopic(t.ctx, root, validateTopic({ name: `Topic ${seq}`, team: 'Support' }));
      const skill = await createSkill(t.ctx, root, { name: `Skill ${seq}` });
      fixtures = {
        mine: mine.id,
        theirs: theirs.id,
        pending: pending.id,
        mineToken: mine.token,
        ratingToken: csatToken(done),
        target,
        targetToken,
        email: email.id,
        file: file!,
        mailMessage: mailMessage.id,
        canned,
        mail,
        calendar,
        team,
        topic,
        skill,
        webhook,
        delivery,
        targetName: `target${seq}`,
        seq,
      };
      return fixtures;
    }

    beforeAll(async () => {
      t = await startTestApp(dialect, { onRoute: collector.collect });
      intake = new TicketIntake(t.ctx);
      ids = { alice: await addStaff(t.ctx, 'alice', { capacity: 50 }), bob: await addStaff(t.ctx, 'bob', { capacity: 50 }), root: await addStaff(t.ctx, 'root', { role: 'admin' }) };
      pages = { anonymous: new Client(t.app), agent: new Client(t.app), otherAgent: new Client(t.app), admin: new Client(t.app) };
      await pages.anonymous.get('/tickets/create/');
      for (const [role, name] of [['agent', 'alice'], ['otherAgent', 'bob'], ['admin', 'root']] as const) {
        expect((await pages[role].login(name)).statusCode).toBe(303);
      }
      const token = async (id: number) => (await createApiToken(t.ctx, id, 'test')).token;
      apis = {
        anonymous: new ApiClient(t.app),
        agent: new ApiClient(t.app, await token(ids.alice)),
        otherAgent: new ApiClient(t.app, await token(ids.bob)),
        admin: new ApiClient(t.app, await token(ids.root)),
      };
    });
    afterAll(() => t.close());

    it('has a row in the table for every route of the app, and no row for a route it lacks', () => {
      const routes = collector.routes().map((r: RouteKey) => `${r.method} ${r.url}`);
      expect(routes.length).toBeGreaterThan(40);
      const table = CASES.map((c) => c.route);
      expect(routes.filter((r) => !table.includes(r)), 'routes missing from the access table').toEqual([]);
      expect(table.filter((r) => !routes.includes(r)), 'table rows for routes the app does not have').toEqual([]);
      expect(new Set(table).size).toBe(table.length);
    });

    for (const c of CASES) {
      if (c.route === 'POST /agents/logout/' || c.route === 'GET /agents/events/') continue;
      it(`${c.route}: ${ROLES.map((r) => `${r} ${c.expect[r]}`).join(', ')}`, async () => {
        const [method] = c.route.split(' ') as [string];
        const api = c.route.includes(' /api/v1/');
        // The database as the last refused (or read-only) request left it: the next role's
        // `before`, unless something was written since (then fixtures are made anew, and it is read).
        let unchanged: Snapshot | null = null;
        for (const role of ROLES) {
          const cached = fixtures !== null;
          const f = await fx();
          const url = c.url(f);
          const before = cached && unchanged ? unchanged : await snapshot(db());
          let status: number;
          let location: string | undefined;
          if (api) {
            const response = c.mail
              ? await apis[role].request('POST', url, c.mail(f), { 'content-type': 'message/rfc822' })
              : await apis[role].request(method as 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url, c.json?.(f));
            status = response.status;
            if (status >= 400) expect(response.body.error?.code, `${role} ${method} ${url}`).toEqual(expect.any(String));
          } else if (method === 'GET') {
            const response = await pages[role].get(url);
            status = response.statusCode;
            location = response.headers.location as string | undefined;
          } else {
            const csrf = csrfFrom((await pages.anonymous.get('/tickets/create/')).body);
            // Each client posts with a token of its own CSRF cookie.
            const own = role === 'anonymous' ? csrf : csrfFrom((await pages[role].get('/tickets/create/')).body);
            const response = await pages[role].post(url, { ...c.form?.(f), _csrf: own });
            status = response.statusCode;
            location = response.headers.location as string | undefined;
          }
          const expected = c.expect[role];
          if (expected === 'login') {
            expect(status, `${role} ${method} ${url}`).toBe(303);
            expect(location, `${role} ${method} ${url}`).toMatch(/^\/agents\/login\/\?next=/);
          } else {
            expect(status, `${role} ${method} ${url}`).toBe(expected);
          }
          const after = await snapshot(db());
          if (method === 'GET' || isRefusal(status, location)) {
            if (!sameSnapshot(after, before)) expect(after, `${role} ${method} ${url} changed the database`).toEqual(before);
            unchanged = after;
          } else {
            fixtures = null;
            unchanged = null;
          }
        }
      });
    }

    it('GET /agents/events/: a live stream for staff, 401 for anonymous', async () => {
      const anonymous = await pages.anonymous.get('/agents/events/');
      expect(anonymous.statusCode).toBe(401);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      for (const role of ['agent', 'otherAgent', 'admin'] as const) {
        const abort = new AbortController();
        const response = await fetch(`http://127.0.0.1:${port}/agents/events/`, { headers: { cookie: `hd_session=${pages[role].cookie('hd_session')}` }, signal: abort.signal });
        expect(response.status, role).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        abort.abort();
      }
    });

    it('POST /agents/logout/: ends only the session that asks (a logout with no session is harmless)', async () => {
      const before = await snapshot(db());
      const anonymous = await pages.anonymous.submit('/tickets/create/', {}, '/agents/logout/');
      expect(anonymous.statusCode).toBe(303);
      expect(await snapshot(db())).toEqual(before);
      for (const name of ['alice', 'root']) {
        const second = new Client(t.app);
        await second.login(name);
        expect((await second.submit('/tickets/create/', {}, '/agents/logout/')).statusCode).toBe(303);
        expect((await second.get('/admin/')).statusCode).toBe(303);
      }
      // The other browsers' sessions still work.
      expect((await pages.admin.get('/admin/')).statusCode).toBe(200);
      expect((await pages.agent.get('/agents/dashboard/')).statusCode).toBe(200);
    });

    describe('IDOR: another agent cannot reach a ticket by guessing', () => {
      it('cannot close, view or reassign any ticket it does not hold, by id or reference, in pages or the API', async () => {
        fixtures = null;
        const f = await fx();
        const others = (await db().selectFrom('tickets').select(['id', 'agent_id', 'status']).execute()).filter((r) => r.agent_id !== ids.bob);
        const waiting = new Set(others.filter((r) => r.status === 'open' && r.agent_id === null).map((r) => r.id));
        expect(waiting.has(f.pending)).toBe(true);
        const existing = new Set(others.map((r) => r.id));
        const guesses = [...existing, 999_999, 0, -1];
        const csrf = csrfFrom((await pages.otherAgent.get('/tickets/create/')).body);
        const before = await snapshot(db());
        for (const id of guesses) {
          const page = await pages.otherAgent.post(`/agents/tickets/${id}/close/`, { _csrf: csrf });
          // The page names a ticket that exists but is not yours (403), and only a missing one 404.
          expect(page.statusCode, `page close ${id}`).toBe(existing.has(id) ? 403 : 404);
          const undo = await pages.otherAgent.post(`/agents/tickets/${id}/close/undo/`, { _csrf: csrf });
          expect(undo.statusCode, `page undo close ${id}`).toBe(existing.has(id) ? 403 : 404);
          expect((await pages.otherAgent.get(`/admin/tickets/${id}/`)).statusCode, `page view ${id}`).toBe(403);
          // The staff ticket page shows pending tickets to every agent; others do not exist for it.
          expect((await pages.otherAgent.get(`/agents/tickets/${id}/`)).statusCode, `staff page ${id}`).toBe(waiting.has(id) ? 200 : 404);
          if (!waiting.has(id)) expect((await pages.otherAgent.post(`/agents/tickets/${id}/messages/`, { _csrf: csrf, kind: 'note', body: 'peek' })).statusCode, `staff note ${id}`).toBe(404);
          expect((await pages.otherAgent.post(`/admin/tickets/${id}/reassign/`, { _csrf: csrf, agent: 'bob' })).statusCode, `page reassign ${id}`).toBe(403);
          const reference = `HD-${id}`;
          // Pending tickets are visible to every agent (§8), but only to look at, not to close.
          expect((await apis.otherAgent.get(`/api/v1/tickets/${reference}`)).status, `api view ${reference}`).toBe(waiting.has(id) ? 200 : 404);
          // The API answers a ticket this agent cannot see as missing (404), as its GET does.
          expect((await apis.otherAgent.post(`/api/v1/tickets/${reference}/close`)).status, `api close ${reference}`).toBe(waiting.has(id) ? 403 : 404);
          expect((await apis.otherAgent.post(`/api/v1/tickets/${reference}/assign`, { agent: 'bob' })).status, `api assign ${reference}`).toBe(403);
        }
        expect(await snapshot(db())).toEqual(before);
      });

      it('never lists or shows another agent\'s ticket: dashboard, API list and search', async () => {
        fixtures = null;
        const f = await fx();
        const secret = `Alice's secret ${f.seq}`;
        const dashboard = await pages.otherAgent.get('/agents/dashboard/');
        expect(dashboard.statusCode).toBe(200);
        expect(dashboard.body).not.toContain(`Alice&#39;s secret ${f.seq}`);
        expect(dashboard.body).not.toContain(secret);
        for (const query of ['', `?q=${encodeURIComponent('secret')}`, '?agent=alice', '?state=open', '?status=OPEN', '?limit=200']) {
          const list = await apis.otherAgent.get(`/api/v1/tickets${query}`);
          expect(list.status, query).toBe(200);
          const references: string[] = list.body.items.map((i: { reference: string }) => i.reference);
          expect(references, query).not.toContain(referenceOf(f.mine));
          expect(list.body.items.every((i: { agent: string | null }) => i.agent === null || i.agent === 'bob'), query).toBe(true);
        }
        // The owner sees it.
        const own = await apis.agent.get(`/api/v1/tickets?q=${encodeURIComponent(secret)}`);
        expect(own.body.items.map((i: { reference: string }) => i.reference)).toContain(referenceOf(f.mine));
        expect((await pages.agent.get('/agents/dashboard/')).body).toContain(referenceOf(f.mine));
      });

      it('search finds only what an agent may see: never another agent\'s ticket, nor through its notes, files or mails', async () => {
        fixtures = null;
        const f = await fx();
        const root = { id: ids.root, role: 'admin' as const };
        const say = (ticket: number, kind: 'note' | 'reply', body: string, filename?: string) =>
          postStaffMessage(t.ctx, root, ticket, { kind, body, close: false, seen: null, channel: 'web', files: filename ? [{ filename, contentType: 'text/plain', content: Buffer.from(body) }] : [] });
        // Words that exist only in one place each.
        const w = (name: string) => `${name}${f.seq}x`;
        await say(f.theirs, 'note', `Only in Bob's note: ${w('walrus')}`);
        await say(f.theirs, 'note', 'A file on a note of Bob\'s', `${w('ledger')}.txt`);
        await say(f.theirs, 'reply', `Only in Bob's reply: ${w('okapi')}`);
        await say(f.mine, 'note', `Only in Alice's note: ${w('narwhal')}`);
        await say(f.pending, 'note', `A note on a queued ticket: ${w('quokka')}`);
        const mailed = customerMail({ from: TICKET.email, subject: `Re: [${referenceOf(f.theirs)}] ${w('zeppelin')}`, messageId: `<search-${f.seq}@mail.example.com>` });
        expect(await ingestMail(t.ctx, intake, DEFAULT_INBOUND_SETTING, mailed, 'http')).toMatchObject({ result: 'appended', ticketId: f.theirs });
        const cases: [string, number, Record<'agent' | 'otherAgent' | 'admin', boolean>][] = [
          [w('walrus'), f.theirs, { agent: false, otherAgent: true, admin: true }],
          [w('ledger'), f.theirs, { agent: false, otherAgent: true, admin: true }],
          [w('okapi'), f.theirs, { agent: false, otherAgent: true, admin: true }],
          [w('zeppelin'), f.theirs, { agent: false, otherAgent: true, admin: true }],
          [`"Bob's secret ${f.seq}"`, f.theirs, { agent: false, otherAgent: true, admin: true }],
          [referenceOf(f.theirs), f.theirs, { agent: false, otherAgent: true, admin: true }],
          [w('narwhal'), f.mine, { agent: true, otherAgent: false, admin: true }],
          [w('quokka'), f.pending, { agent: true, otherAgent: true, admin: true }],
        ];
        const before = await snapshot(db());
        for (const [q, ticket, visible] of cases) {
          for (const role of ['agent', 'otherAgent', 'admin'] as const) {
            const list = await apis[role].get(`/api/v1/tickets?q=${encodeURIComponent(q)}`);
            expect(list.status, `${role} ${q}`).toBe(200);
            expect(list.body.items.map((i: { reference: string }) => i.reference), `${role} API ${q}`).toEqual(visible[role] ? [referenceOf(ticket)] : []);
            if (role === 'admin') continue;
            const dashboard = await pages[role].get(`/agents/dashboard/?q=${encodeURIComponent(q)}`);
            expect(dashboard.statusCode, `${role} dashboard ${q}`).toBe(200);
            const results = dashboard.body.split('id="search-results"')[1] ?? '';
            expect(results.includes(`data-ticket="${referenceOf(ticket)}"`), `${role} dashboard ${q}`).toBe(visible[role]);
          }
        }
        // The customer's email is on all three: each agent finds only its own and the queued one.
        const byEmail = await apis.otherAgent.get(`/api/v1/tickets?q=${encodeURIComponent(TICKET.email)}&limit=200`);
        const found: string[] = byEmail.body.items.map((i: { reference: string }) => i.reference);
        expect(found).toContain(referenceOf(f.theirs));
        expect(found).toContain(referenceOf(f.pending));
        expect(found).not.toContain(referenceOf(f.mine));
        expect(await snapshot(db())).toEqual(before);
      });

      it('a typo correction never names a word that is only in another agent\'s ticket or its notes', async () => {
        fixtures = null;
        const f = await fx();
        const root = { id: ids.root, role: 'admin' as const };
        const say = (ticket: number, kind: 'note' | 'reply', body: string) => postStaffMessage(t.ctx, root, ticket, { kind, body, close: false, seen: null, channel: 'web', files: [] });
        // Words of letters only (typo tolerance corrects no word with digits), unique to this run.
        const w = (name: string) => `${name}${[...String(f.seq)].map((d) => 'bcdfghjklm'[Number(d)]).join('')}`;
        /** The word with its 2nd and 3rd letters swapped: one edit away. */
        const typo = (word: string) => word[0]! + word[2]! + word[1]! + word.slice(3);
        await say(f.theirs, 'note', `Only in Bob's note: ${w('walrusine')}`);
        await say(f.theirs, 'reply', `Only in Bob's reply: ${w('okapinium')}`);
        await say(f.mine, 'note', `Only in Alice's note: ${w('narwhalite')}`);
        const cases: [string, Record<'agent' | 'otherAgent', boolean>][] = [
          [w('walrusine'), { agent: false, otherAgent: true }],
          [w('okapinium'), { agent: false, otherAgent: true }],
          [w('narwhalite'), { agent: true, otherAgent: false }],
        ];
        const before = await snapshot(db());
        for (const [word, visible] of cases) {
          for (const role of ['agent', 'otherAgent'] as const) {
            const page = await pages[role].get(`/agents/dashboard/?q=${encodeURIComponent(typo(word))}`);
            expect(page.statusCode, `${role} ${typo(word)}`).toBe(200);
            // The positive side proves the word is known and correctable; the other, that it stays unsaid.
            expect(page.body.includes('id="search-corrected"'), `${role} corrected ${word}`).toBe(visible[role]);
            expect(page.body.toLowerCase().includes(word), `${role} page names ${word}`).toBe(visible[role]);
          }
        }
        expect(await snapshot(db())).toEqual(before);
      });

      it('a guessed or truncated status token finds nothing', async () => {
        const f = await fx();
        for (const token of [f.mineToken.slice(0, -1), f.mineToken.slice(0, 8), 'a'.repeat(32), `${f.mineToken}x`, f.mineToken.toUpperCase(), '..%2F..%2Fetc', "'%20OR%20'1'='1"]) {
          expect((await pages.anonymous.get(`/tickets/status/${token}/`)).statusCode, token).toBe(404);
          expect((await pages.anonymous.get(`/tickets/createsuccess/?t=${token}`)).statusCode, token).toBe(404);
        }
        // A NUL character is refused before any lookup (PostgreSQL cannot compare it: this was a 500).
        expect((await pages.anonymous.get('/tickets/status/%00/')).statusCode).toBe(400);
        expect((await pages.anonymous.get(`/tickets/createsuccess/?t=${f.mineToken}%00`)).statusCode).toBe(400);
        expect(Buffer.from(f.mineToken, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      });
    });
  });
}
