/**
 * Who may take a topic's tickets (§12), as the topics list shows it: a topic whose team has nobody
 * holding its skills makes every ticket of it wait for good, and the admin should see that before
 * the tickets pile up. Pure: the lists of teams and skills (by name, as the admin pages read them)
 * come in; who is available does not matter here (that is the dashboard's "waiting" alarm).
 */

export interface TopicNeeds {
  team: string;
  skills: readonly { name: string; optional_after_minutes: number | null }[];
}
export interface TeamMembers {
  name: string;
  overflow_team: string | null;
  members: readonly string[];
}
export interface SkillHolders {
  name: string;
  agents: readonly string[];
}

/** The agents who may take a new ticket of the topic at once, and those who may only once it waited (a skill turned optional, the overflow opened). */
export interface TopicTakers {
  atOnce: string[];
  afterWait: string[];
}

/** Who of the `active` agents (a deactivated one takes nothing) may take the topic's tickets. */
export function topicTakers(topic: TopicNeeds, teams: readonly TeamMembers[], skills: readonly SkillHolders[], active: ReadonlySet<string>): TopicTakers {
  const team = teams.find((t) => t.name === topic.team);
  const members = (team?.members ?? []).filter((agent) => active.has(agent));
  const overflow = (teams.find((t) => t.name === team?.overflow_team)?.members ?? []).filter((agent) => active.has(agent));
  const holds = (agent: string, needed: TopicNeeds['skills']) => needed.every((s) => skills.find((k) => k.name === s.name)?.agents.includes(agent) ?? false);
  const atOnce = members.filter((agent) => holds(agent, topic.skills));
  const always = topic.skills.filter((s) => s.optional_after_minutes === null);
  const afterWait = [...new Set([...members, ...overflow])].filter((agent) => !atOnce.includes(agent) && holds(agent, always));
  return { atOnce, afterWait };
}

/** The list's words: who may take it at once, who after a wait, or that nobody ever may. */
export function topicTakersText({ atOnce, afterWait }: TopicTakers): string {
  const parts = [...(atOnce.length > 0 ? [atOnce.join(', ')] : []), ...(afterWait.length > 0 ? [`after a wait: ${afterWait.join(', ')}`] : [])];
  if (parts.length === 0) return 'Nobody: no agent of its team holds its skills, so its tickets wait';
  return atOnce.length === 0 ? `Nobody at once; ${parts.join('; ')}` : parts.join('; ');
}
