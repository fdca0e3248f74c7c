/** Topics as customers and mail pick them (§12). */
import { parseId } from '../core/tickets.js';
import { type TopicName, topicNamed } from '../core/teams.js';
import type { Db } from '../db/connect.js';

/**
 * The topic a customer named, by id or by name in any letter case; undefined when there is none.
 * Compared here (core topicNamed, as intake's memory of the names compares), not by lower(name):
 * SQLite's folds only ASCII, so `Überweisung` typed `überweisung` was no topic there (topics are
 * few: all are read).
 */
export async function findTopicByNameOrId(db: Db, named: string): Promise<TopicName | undefined> {
  const id = parseId(named);
  const query = db.selectFrom('topics').select(['id', 'name', 'hidden']);
  if (id !== null) return query.where('id', '=', id).executeTakeFirst();
  return topicNamed(await allTopicNames(db), named);
}

/** Every topic's id, name and whether it is hidden (services/topicNames.ts keeps them a moment). */
export async function allTopicNames(db: Db): Promise<TopicName[]> {
  return db.selectFrom('topics').select(['id', 'name', 'hidden']).orderBy('id').execute();
}

/** Every topic not hidden, in id order (the first is the default): the form's choices. */
export async function listTopicChoices(db: Db): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('topics').select(['id', 'name']).where('hidden', '=', 0).orderBy('id').execute();
}

/**
 * The topic an inbound address maps to (§12), with its default priority, or undefined: that of the
 * first of `addresses` that is a topic's. They come in the order that decides (Delivered-To, the
 * mailbox that received the mail, then To: core/mailHeaders.ts recipientAddresses); the first by
 * alphabet gave the billing team a copy delivered to the sales mailbox.
 */
export async function topicOfAddress(db: Db, addresses: readonly string[]): Promise<{ topic_id: number; default_priority: 'high' | 'medium' | 'low' | null } | undefined> {
  if (addresses.length === 0) return undefined;
  const wanted = addresses.map((a) => a.toLowerCase());
  const rows = await db
    .selectFrom('topic_addresses as a')
    .innerJoin('topics as t', 't.id', 'a.topic_id')
    .select(['a.address', 'a.topic_id', 't.default_priority'])
    .where('a.address', 'in', wanted)
    .execute();
  const first = wanted.map((address) => rows.find((r) => r.address === address)).find((r) => r !== undefined);
  return first && { topic_id: first.topic_id, default_priority: first.default_priority };
}
