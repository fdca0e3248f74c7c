import { describe, expect, it } from 'vitest';
import { classifyWriteError, isDatabaseUnavailable, saysReadOnly, type WriteErrorKind } from '../../src/core/writeErrors.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyWriteError', () => {
  const table: [string, unknown, WriteErrorKind][] = [
    ['pg serialization failure', coded('40001'), 'transient'],
    ['pg deadlock', coded('40P01'), 'transient'],
    ['pg statement completion unknown', coded('40003'), 'transient'],
    ['pg connection left in an aborted transaction', coded('25P02'), 'transient'],
    ['pg lock_timeout', coded('55P03'), 'transient'],
    ['pg statement_timeout / pg_cancel_backend', coded('57014'), 'transient'],
    ['pg_terminate_backend', coded('57P01'), 'transient'],
    ['pg crash shutdown', coded('57P02'), 'transient'],
    ['pg starting up', coded('57P03'), 'transient'],
    ['pg too many connections', coded('53300'), 'transient'],
    ['pg read-only (a standby after a failover, default_transaction_read_only)', coded('25006'), 'transient'],
    ['pg connection failure (class 08)', coded('08006'), 'transient'],
    ['pg connection does not exist', coded('08003'), 'transient'],
    ['socket reset', coded('ECONNRESET'), 'transient'],
    ['connection refused', coded('ECONNREFUSED'), 'transient'],
    ['broken pipe', coded('EPIPE'), 'transient'],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'transient'],
    ['pg: client not queryable', new Error('Client has encountered a connection error and is not queryable'), 'transient'],
    ['pg pool: connect timeout', new Error('timeout exceeded when trying to connect'), 'transient'],
    ['SQLITE_BUSY', coded('SQLITE_BUSY', 'database is locked'), 'transient'],
    ['SQLITE_BUSY_SNAPSHOT', coded('SQLITE_BUSY_SNAPSHOT'), 'transient'],
    ['SQLITE_LOCKED', coded('SQLITE_LOCKED'), 'transient'],
    ['SQLITE_IOERR_FSYNC', coded('SQLITE_IOERR_FSYNC'), 'transient'],
    ['SQLITE_FULL', coded('SQLITE_FULL'), 'transient'],
    ['pg unique violation', coded('23505'), 'item'],
    ['pg not-null violation', coded('23502'), 'item'],
    ['pg value too long', coded('22001'), 'item'],
    ['pg integer out of range', coded('22003'), 'item'],
    ['pg syntax error', coded('42601'), 'item'],
    ['pg class 40 other than serialization (transaction rollback, integrity)', coded('40002'), 'item'],
    ['SQLITE_CONSTRAINT_UNIQUE', coded('SQLITE_CONSTRAINT_UNIQUE'), 'item'],
    ['SQLITE_TOOBIG', coded('SQLITE_TOOBIG'), 'item'],
    ['a code that merely starts like a transient one', coded('SQLITE_BUSYNESS'), 'item'],
    ['our own error', new Error('cannot render the email'), 'item'],
    ['a coded error whose message looks like a lost connection', coded('23505', 'Connection terminated'), 'item'],
    ['a thrown string', 'Connection terminated', 'item'],
    ['undefined', undefined, 'item'],
    ['null', null, 'item'],
  ];
  it.each(table)('%s → %s', (_name, error, kind) => {
    expect(classifyWriteError(error)).toBe(kind);
  });
});

// What a request answers 503 for (http/errors.ts): a transient failure, also when it comes wrapped,
// as the intake batcher wraps a write it could not settle ("whether it was stored is unknown").
describe('isDatabaseUnavailable', () => {
  const table: [string, unknown, boolean][] = [
    ['connection refused', coded('ECONNREFUSED'), true],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), true],
    ['SQLITE_BUSY past the lock wait', coded('SQLITE_BUSY', 'database is locked'), true],
    ['a write in doubt whose lookup failed too', new Error('The write failed and whether it was stored is unknown.', { cause: [new Error('Connection terminated unexpectedly'), coded('ECONNREFUSED')] }), true],
    ['a wrapped single cause', new Error('could not load', { cause: coded('57P01') }), true],
    ['wrapped twice', new Error('outer', { cause: new Error('inner', { cause: coded('08006') }) }), true],
    ['in doubt, but one cause is a bug of ours', new Error('The write failed and whether it was stored is unknown.', { cause: [coded('ECONNRESET'), new TypeError('x is undefined')] }), false],
    ['a unique violation', coded('23505'), false],
    ['our own error', new Error('cannot render the page'), false],
    ['an error whose cause is our own', new Error('outer', { cause: new Error('inner') }), false],
    ['an empty list of causes', new Error('outer', { cause: [] }), false],
    ['undefined', undefined, false],
  ];
  it.each(table)('%s → %s', (_name, error, unavailable) => {
    expect(isDatabaseUnavailable(error)).toBe(unavailable);
  });

  it('stops at a cause that refers back to itself', () => {
    const looped: Error & { cause?: unknown } = new Error('loop');
    looped.cause = looped;
    expect(isDatabaseUnavailable(looped)).toBe(false);
  });
});

describe('saysReadOnly', () => {
  const table: [string, Parameters<typeof saysReadOnly>[0], boolean][] = [
    ['a write refused as read-only (25006)', { error: coded('25006') }, true],
    ['a unique violation', { error: coded('23505') }, false],
    ['a lost connection', { error: new Error('Connection terminated unexpectedly') }, false],
    ['not an object', { error: '25006' }, false],
    ['null', { error: null }, false],
    ['transaction_read_only on', { transactionReadOnly: 'on' }, true],
    ['transaction_read_only off', { transactionReadOnly: 'off' }, false],
    ['no answer', { transactionReadOnly: undefined }, false],
  ];
  it.each(table)('%s → %s', (_name, answer, readOnly) => {
    expect(saysReadOnly(answer)).toBe(readOnly);
  });
});
