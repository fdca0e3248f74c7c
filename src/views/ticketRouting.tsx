/** A ticket's team, topic and the skills it needs (§12), as facts of the staff page and the admin's ticket record. */
import { teamText, ticketSkillsText, topicText } from '../core/teams.js';
import type { TicketRow } from '../db/schema.js';

export function TicketRoutingFacts({ teamName, topicName, ticket }: { teamName: string | null; topicName: string | null; ticket: Pick<TicketRow, 'topic_id' | 'required_skills'> }) {
  return (
    <>
      <dt>Team</dt>
      <dd>{teamText(teamName)}</dd>
      <dt>Topic</dt>
      <dd>{topicText(ticket.topic_id, topicName) ?? '—'}</dd>
      <dt>Skills needed</dt>
      <dd>{ticketSkillsText(ticket.required_skills)}</dd>
    </>
  );
}
