/** Topics as customers and mail pick them (§12). */
import { parseId } from '../core/tickets.js';
import type { Db } from '../db/connect.js';

/** The topic a customer named, by id or by name in any letter case; undefined when there is none. */
export async function findTopicByNameOrId(db: Db, named: string): Promise<{ id: number; name: string } | undefined> {
  const id = parseId(named);
  let query = db.selectFrom('topics').select(['id', 'name']);
  query = id === null ? query.where((eb) => eb(eb.fn('lower', ['name']), '=', named.toLowerCase())) : query.where('id', '=', id);
  return query.executeTakeFirst();
}

/** Every topic, in id order (the first is the default): the form's choices. */
export async function listTopicChoices(db: Db): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('topics').select(['id', 'name']).orderBy('id').execute();
}

/** The topic an inbound address maps to (§12), or undefined. */
export async function topicOfAddress(db: Db, addresses: readonly string[]): Promise<number | undefined> {
  if (addresses.length === 0) return undefined;
  const row = await db
    .selectFrom('topic_addresses')
    .select('topic_id')
    .where('address', 'in', addresses.map((a) => a.toLowerCase()))
    .orderBy('address')
    .executeTakeFirst();
  return row?.topic_id;
}
