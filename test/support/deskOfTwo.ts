/** A fresh database with an admin (root) and two agents of the default capacity, for service-level routing tests. */
import type { Dialect } from '../../src/db/connect.js';
import type { Clock, ServiceContext } from '../../src/services/context.js';
import type { AdminActor } from '../../src/services/teams.js';
import { addStaff } from './app.js';
import { freshDatabase, type TestDatabase } from './db.js';

export interface DeskOfTwo {
  database: TestDatabase;
  ctx: ServiceContext;
  admin: AdminActor;
  ana: number;
  bo: number;
}

export async function deskOfTwo(dialect: Dialect, clock: Clock): Promise<DeskOfTwo> {
  const database = await freshDatabase(dialect);
  const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
  const admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), username: 'root', address: '127.0.0.1' };
  return { database, ctx, admin, ana: await addStaff(ctx, 'ana'), bo: await addStaff(ctx, 'bo') };
}
