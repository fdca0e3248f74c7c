import type { ServiceContext } from '../../src/services/context.js';
import type { TestDatabase } from '../support/db.js';

/** A service context on a test database: the real clock, a fixed public URL, these listeners. */
export function testContext(database: TestDatabase, onChanges?: ServiceContext['onChanges']): ServiceContext {
  return { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test', ...(onChanges ? { onChanges } : {}) };
}
