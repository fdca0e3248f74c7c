/**
 * Teams, topics and skills through the API (§12): list, create, replace (a skill: rename), delete; an agent's teams
 * and skills. Admins only; behind requireBearer. Bad input is a 400 naming the field and changes
 * nothing; every write goes through src/services/teams.ts, as the pages' do.
 */
import { actingOf } from '../../acting.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../../core/errors.js';
import { type FieldErrors, refuseFields } from '../../../core/checked.js';
import { checkTeam, checkTopic, TEAM_LABELS } from '../../../core/teamInput.js';
import { parseId } from '../../../core/tickets.js';
import { listSkills, listTeams, listTopics } from '../../../repositories/teams.js';
import { findUserByUsername } from '../../../repositories/users.js';
import type { ServiceContext } from '../../../services/context.js';
import { type AdminActor, agentTeamsAndSkills, createSkill, deleteSkill, deleteTeam, deleteTopic, renameSkill, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../../services/teams.js';
import { partlyTypedBody } from '../../api-body.js';
import { ApiError, Deleted, errorResponses, whole, wholeList } from '../../api-schemas.js';
import { AgentTeamsBody, IdParams, SkillBody, SkillSchema, TeamBody, TeamSchema, TopicBody, TopicSchema, UsernameParams } from '../../teamSchemas.js';

const security = [{ bearerAuth: [] }];
const config = { apiRoles: ['admin'] as const };
const tags = ['teams'];

function idOf(raw: string, what: string): number {
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}


/** One resource's collection: list, create, replace (the same check and service as create), delete. */
interface Resource<Row extends { id: number }> {
  path: string;
  what: string;
  schema: z.ZodType;
  body: z.ZodType;
  list: () => Promise<Row[]>;
  /** Creates (id null) or replaces (a skill: renames); returns the id. `typeErrors`: the fields the schema refused (api-body.ts). */
  save: (actor: AdminActor, body: Record<string, unknown>, id: number | null, typeErrors: FieldErrors) => Promise<number>;
  remove: (actor: AdminActor, id: number) => Promise<void>;
  /** What may still use one, refusing its deletion with 409 `conflict` (none: never refused so). */
  inUse?: string;
}

export function teamApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;
  const schema = <S extends object>(summary: string, extra: S) => ({ tags, summary, description: 'Admins only.', security, ...extra });

  const resource = <Row extends { id: number }>(res: Resource<Row>) => {
    const lower = res.what.toLowerCase();
    const found = async (id: number): Promise<Row> => {
      const row = (await res.list()).find((x) => x.id === id);
      if (!row) throw notFound(res.what);
      return row;
    };
    r.get(res.path, { schema: schema(`List ${lower}s`, { response: { 200: wholeList(res.schema, `${res.what}List`), ...errorResponses(401, 403) } }), config }, async () => whole(await res.list()));
    // A field of the wrong type (or an unknown one) is named beside every other problem (api-body.ts).
    r.post(res.path, { schema: schema(`Create a ${lower}`, { body: res.body, response: { 201: res.schema, ...errorResponses(400, 401, 403) } }), config, attachValidation: true }, async (request, reply) => {
      const { body, typeErrors } = partlyTypedBody(request);
      const id = await res.save(actingOf(request), body, null, typeErrors);
      return reply.status(201).send(await found(id));
    });
    r.put(`${res.path}/:id`, { schema: schema(`Replace a ${lower}`, { params: IdParams, body: res.body, response: { 200: res.schema, ...errorResponses(400, 401, 403, 404) } }), config, attachValidation: true }, async (request) => {
      const { body, typeErrors } = partlyTypedBody(request);
      return found(await res.save(actingOf(request), body, idOf(request.params.id, res.what), typeErrors));
    });
    const conflict = res.inUse ? { 409: ApiError.describe(`The ${lower} is in use (${res.inUse}): the message says what uses it; nothing deleted`) } : {};
    r.delete(`${res.path}/:id`, { schema: schema(`Delete a ${lower}`, { params: IdParams, response: { 204: Deleted, ...errorResponses(400, 401, 403, 404), ...conflict } }), config }, async (request, reply) => {
      await res.remove(actingOf(request), idOf(request.params.id, res.what));
      return reply.status(204).send(null);
    });
  };

  resource({
    path: '/teams',
    what: 'Team',
    schema: TeamSchema,
    body: TeamBody,
    list: () => listTeams(db),
    save: (actor, body, id, typeErrors) => saveTeam(ctx, actor, checkTeam(body).with(typeErrors), id),
    remove: (actor, id) => deleteTeam(ctx, actor, id),
    inUse: 'Support, open tickets, topics routing to it, or the last team of an agent holding tickets',
  });
  resource({
    path: '/topics',
    what: 'Topic',
    schema: TopicSchema,
    body: TopicBody,
    list: () => listTopics(db),
    save: (actor, body, id, typeErrors) => saveTopic(ctx, actor, checkTopic(body).with(typeErrors), id),
    remove: (actor, id) => deleteTopic(ctx, actor, id),
    inUse: 'the last topic not hidden: new tickets need one',
  });
  resource({
    path: '/skills',
    what: 'Skill',
    schema: SkillSchema,
    body: SkillBody,
    list: () => listSkills(db),
    save: (actor, body, id, typeErrors) => {
      refuseFields(typeErrors, TEAM_LABELS);
      return id === null ? createSkill(ctx, actor, body) : renameSkill(ctx, actor, id, body);
    },
    remove: (actor, id) => deleteSkill(ctx, actor, id),
    inUse: 'a topic requires it',
  });

  r.put(
    '/agents/:username/teams',
    {
      schema: schema('Set an agent’s teams and skills', {
        description: 'Admins only. An admin’s username is a 400 naming `username` (admins take no tickets and belong to no team); nobody’s a 404.',
        params: UsernameParams,         body: AgentTeamsBody,
        response: { 200: AgentTeamsBody, ...errorResponses(400, 401, 403, 404) },
      }),
      config,
    },
    async (request) => {
      const agent = await findUserByUsername(db, request.params.username);
      if (!agent) throw notFound('Agent');
      await setAgentTeamsAndSkills(ctx, actingOf(request), agent.id, request.body);
      return agentTeamsAndSkills(db, agent.username);
    },
  );
}
