import type { FastifyInstance } from 'fastify';
import { teamFilterOf } from '../../../services/teams.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../core/errors.js';
import { resetOutcomeMessage } from '../../../core/twoFactor.js';
import { loadSettings } from '../../../repositories/settings.js';
import { findStaff, listStaff } from '../../../repositories/ticketQueries.js';
import type { ServiceContext } from '../../../services/context.js';
import { changePresence } from '../../../services/presence.js';
import { resetSecondFactor } from '../../../services/twoFactor.js';
import { findUserByUsername } from '../../../repositories/users.js';
import { actingOf } from '../../acting.js';
import { TwoFactorResetAnswer } from '../../api-schemas-audit.js';
import { UsernameParams } from '../../teamSchemas.js';
import { apiUserOf } from '../../api-auth.js';
import { errorResponses } from '../../api-schemas.js';
import { Agent, AgentList, AgentListQuery, PresenceBody } from '../../api-schemas-agents.js';
import { agentJson, decodeCursor, pageOf } from '../../api-shapes.js';

const security = [{ bearerAuth: [] }];

/** Staff list (admins), an agent's own presence, and an admin's reset of a second factor; behind requireBearer. */
export function agentApiRoutes(app: FastifyInstance, ctx: ServiceContext, sessions: { idleMinutes: number }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;

  r.get(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        summary: 'List staff',
        description: 'Admins only. Every active agent and admin, in the order they were created, with presence and load.',
        security,
        querystring: AgentListQuery,
        response: { 200: AgentList.describe('One page of staff'), ...errorResponses(400, 401, 403) },
      },
      config: { apiRoles: ['admin'] },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const team = await teamFilterOf(db, request.query.team);
      const settings = await loadSettings(db);
      const rows = await listStaff(db, { afterId: cursor === undefined ? undefined : decodeCursor(cursor), limit, ...(team ? { teamId: team.id } : {}) });
      return pageOf(rows, limit, (row) => agentJson(row, settings.defaultCapacity));
    },
  );

  r.post(
    '/agents/:username/two-factor/reset',
    {
      schema: {
        tags: ['agents'],
        summary: "Reset a staff member's second factor",
        description: 'Admins only (audited). For a lost phone and lost recovery codes: the account signs in with its password alone, or sets two-factor sign-in up again at its next login when it is required of all staff. An account without a second factor is left as it is: `had_two_factor` false, the message says there was nothing to reset, and no audit entry is written. The token owner\'s own account is refused (403, audited as a failed current-password check): a token carries no password; that is done on My account.',
        security,
        params: UsernameParams,
        response: { 200: TwoFactorResetAnswer, ...errorResponses(401, 403, 404) },
      },
      config: { apiRoles: ['admin'] },
    },
    async (request) => {
      const user = await findUserByUsername(db, request.params.username);
      if (!user) throw notFound('User');
      // A token has no browser session to keep: every browser session of the account ends.
      const had = await resetSecondFactor(ctx, actingOf(request), user.id, { token: undefined, idleMinutes: sessions.idleMinutes }, { channel: 'token' });
      return { username: user.username, had_two_factor: had, message: resetOutcomeMessage(had) };
    },
  );

  r.put(
    '/agents/me/presence',
    {
      schema: {
        tags: ['agents'],
        summary: "Set the token's agent available, away or offline",
        description:
          'Agents only. Exactly what login (`available`: pull from the queue, R2/R3), the away toggle and logout (R5) do; setting the presence the agent has already changes nothing (no pull, balance or release). ' +
          'Presence set here lasts while the agent uses its tokens: after API_PRESENCE_MINUTES (default 30) without an API call by its tokens, and without a live browser session, it goes offline (R5). Set `offline` when done.',
        security,
        body: PresenceBody,
        response: { 200: Agent.describe('The agent after the change'), ...errorResponses(400, 401, 403) },
      },
      config: { apiRoles: ['agent'] },
    },
    async (request) => {
      const viewer = apiUserOf(request);
      await changePresence(ctx, viewer.id, request.body.status);
      const [row, settings] = [await findStaff(db, viewer.id), await loadSettings(db)];
      if (!row) throw notFound('Agent');
      return agentJson(row, settings.defaultCapacity);
    },
  );
}
