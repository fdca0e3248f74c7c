/**
 * Teams, topics and skills through the API (§12): list, create, replace, delete; an agent's teams
 * and skills. Admins only; behind requireBearer. Bad input is a 400 naming the field and changes
 * nothing (src/services/teams.ts).
 */
import { actingOf } from '../../acting.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../core/errors.js';
import { validateTeam, validateTopic } from '../../../core/teamInput.js';
import { parseId } from '../../../core/tickets.js';
import { listSkills, listTeams, listTopics } from '../../../repositories/teams.js';
import { findUserByUsername } from '../../../repositories/users.js';
import type { ServiceContext } from '../../../services/context.js';
import { createSkill, deleteSkill, deleteTeam, deleteTopic, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../../services/teams.js';
import { errorResponses } from '../../api-schemas.js';
import { AgentTeamsBody, Deleted, IdParams, SkillBody, SkillSchema, TeamBody, TeamSchema, TopicBody, TopicSchema, UsernameParams } from '../../teamSchemas.js';
import { z } from 'zod';

const security = [{ bearerAuth: [] }];
const config = { apiRoles: ['admin'] as const };
const tags = ['teams'];

function idOf(raw: string, what: string): number {
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}

export function teamApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;
  const schema = <S extends object>(summary: string, extra: S) => ({ tags, summary, description: 'Admins only.', security, ...extra });
  const found = async <T extends { id: number }>(rows: Promise<T[]>, id: number, what: string): Promise<T> => {
    const row = (await rows).find((x) => x.id === id);
    if (!row) throw notFound(what);
    return row;
  };

  r.get('/teams', { schema: schema('List teams', { response: { 200: z.array(TeamSchema), ...errorResponses(401, 403) } }), config }, () => listTeams(db));
  r.post('/teams', { schema: schema('Create a team', { body: TeamBody, response: { 201: TeamSchema, ...errorResponses(400, 401, 403) } }), config }, async (request, reply) => {
    const id = await saveTeam(ctx, actingOf(request), validateTeam(request.body as Record<string, unknown>));
    return reply.status(201).send(await found(listTeams(db), id, 'Team'));
  });
  r.put('/teams/:id', { schema: schema('Replace a team', { params: IdParams, body: TeamBody, response: { 200: TeamSchema, ...errorResponses(400, 401, 403, 404) } }), config }, async (request) => {
    const id = await saveTeam(ctx, actingOf(request), validateTeam(request.body as Record<string, unknown>), idOf(request.params.id, 'Team'));
    return found(listTeams(db), id, 'Team');
  });
  r.delete(
    '/teams/:id',
    { schema: schema('Delete a team', { params: IdParams, response: { 204: Deleted, ...errorResponses(400, 401, 403, 404) } }), config },
    async (request, reply) => {
      await deleteTeam(ctx, actingOf(request), idOf(request.params.id, 'Team'));
      return reply.status(204).send(null);
    },
  );

  r.get('/topics', { schema: schema('List topics', { response: { 200: z.array(TopicSchema), ...errorResponses(401, 403) } }), config }, () => listTopics(db));
  r.post('/topics', { schema: schema('Create a topic', { body: TopicBody, response: { 201: TopicSchema, ...errorResponses(400, 401, 403) } }), config }, async (request, reply) => {
    const id = await saveTopic(ctx, actingOf(request), validateTopic(request.body as Record<string, unknown>));
    return reply.status(201).send(await found(listTopics(db), id, 'Topic'));
  });
  r.put('/topics/:id', { schema: schema('Replace a topic', { params: IdParams, body: TopicBody, response: { 200: TopicSchema, ...errorResponses(400, 401, 403, 404) } }), config }, async (request) => {
    const id = await saveTopic(ctx, actingOf(request), validateTopic(request.body as Record<string, unknown>), idOf(request.params.id, 'Topic'));
    return found(listTopics(db), id, 'Topic');
  });
  r.delete(
    '/topics/:id',
    { schema: schema('Delete a topic', { params: IdParams, response: { 204: Deleted, ...errorResponses(400, 401, 403, 404) } }), config },
    async (request, reply) => {
      await deleteTopic(ctx, actingOf(request), idOf(request.params.id, 'Topic'));
      return reply.status(204).send(null);
    },
  );

  r.get('/skills', { schema: schema('List skills', { response: { 200: z.array(SkillSchema), ...errorResponses(401, 403) } }), config }, () => listSkills(db));
  r.post('/skills', { schema: schema('Create a skill', { body: SkillBody, response: { 201: SkillSchema, ...errorResponses(400, 401, 403) } }), config }, async (request, reply) => {
    const id = await createSkill(ctx, actingOf(request), request.body as Record<string, unknown>);
    return reply.status(201).send(await found(listSkills(db), id, 'Skill'));
  });
  r.delete(
    '/skills/:id',
    { schema: schema('Delete a skill', { params: IdParams, response: { 204: Deleted, ...errorResponses(400, 401, 403, 404) } }), config },
    async (request, reply) => {
      await deleteSkill(ctx, actingOf(request), idOf(request.params.id, 'Skill'));
      return reply.status(204).send(null);
    },
  );

  r.put(
    '/agents/:username/teams',
    { schema: schema('Set an agent’s teams and skills', { params: UsernameParams, body: AgentTeamsBody, response: { 200: AgentTeamsBody, ...errorResponses(400, 401, 403, 404) } }), config },
    async (request) => {
      const agent = await findUserByUsername(db, request.params.username);
      if (!agent) throw notFound('Agent');
      await setAgentTeamsAndSkills(ctx, actingOf(request), agent.id, request.body);
      const [teams, skills] = await Promise.all([listTeams(db), listSkills(db)]);
      return { teams: teams.filter((t) => t.members.includes(agent.username)).map((t) => t.name), skills: skills.filter((s) => s.agents.includes(agent.username)).map((s) => s.name) };
    },
  );
}
