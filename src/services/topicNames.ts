/**
 * A short memory of the topics' names, for intake: the form and the API name a ticket's topic
 * (§12), and without it every submission paid a database round trip for the name before joining
 * its batch (bench:intake with 10 teams: one query per ticket, as many as the batches' own).
 *
 * The names are read all at once (a helpdesk has a few dozen topics) and kept `ttlMs` (1 s). A
 * topic saved or deleted in this process clears the memory at once (services/teams.ts calls
 * `forget()` after its commit; a read already on its way then is not kept); in another server
 * process sharing the database, a renamed, hidden or deleted topic is honoured within `ttlMs`. A
 * name the memory does not know is always asked of the database, so a topic created a moment ago
 * elsewhere is found at once; and a ticket filed under a topic deleted meanwhile goes to the
 * default topic (intake's routing reads the topics again inside its transaction).
 */
import { type TopicName, topicNamed } from '../core/teams.js';
import type { Db } from '../db/connect.js';
import { allTopicNames, findTopicByNameOrId } from '../repositories/topics.js';
import type { Clock } from './context.js';
import { ShortMemory } from './shortMemory.js';

export const TOPIC_NAMES_TTL_MS = 1_000;

export class TopicNames {
  private readonly memory: ShortMemory<'topics', TopicName[]>;

  /** Real time by default, not the app's clock (a test's hand-moved clock would keep them for ever). */
  constructor(ttlMs = TOPIC_NAMES_TTL_MS, clock?: Clock) {
    this.memory = new ShortMemory({ ttlMs, clock });
  }

  /** The topic `named` (a name in any letter case, or an id), or undefined. */
  async find(db: Db, named: string): Promise<TopicName | undefined> {
    const topics = await this.memory.get('topics', () => allTopicNames(db));
    return topicNamed(topics, named) ?? (await findTopicByNameOrId(db, named));
  }

  /** A topic changed here: read the names again at the next submission. */
  forget(): void {
    this.memory.forget();
  }
}
