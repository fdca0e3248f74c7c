/** A ticket's team, topic and the skills it needs (§12), as facts of the staff page and the admin's ticket record. */
import { teamText, ticketSkillsText } from '../core/teams.js';

export function TicketRoutingFacts({ teamName, topicName, requiredSkills }: { teamName: string | null; topicName: string | null; requiredSkills: string }) {
  return (
    <>
      <dt>Team</dt>
      <dd>{teamText(teamName)}</dd>
      <dt>Topic</dt>
      <dd>{topicName ?? '— (deleted)'}</dd>
      <dt>Skills needed</dt>
      <dd>{ticketSkillsText(requiredSkills)}</dd>
    </>
  );
}
