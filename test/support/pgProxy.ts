import { type AddressInfo, connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { sql } from 'kysely';
import type { DbHandle } from '../../src/db/connect.js';
import { TEST_PG_URL } from './db.js';

/**
 * A PostgreSQL startup message (length, protocol, then name/value pairs ending in a zero byte) with
 * its `database` set to `database`.
 */
function withDatabase(startup: Buffer, database: string): Buffer {
  const fields = startup.subarray(8, startup.length - 1).toString('utf8').split('\0');
  const pairs: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) pairs.push(fields[i]!, fields[i] === 'database' ? database : fields[i + 1]!);
  const body = Buffer.from(`${pairs.join('\0')}\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(startup.readInt32BE(4), 4);
  return Buffer.concat([head, body]);
}

/**
 * Sends a new client's bytes upstream, its startup message asking for `database` instead of the
 * one it names (null: as it names).
 */
function forwardAsking(client: Socket, upstream: Socket, database: string | null): void {
  if (database === null) {
    client.pipe(upstream);
    return;
  }
  let head = Buffer.alloc(0);
  const first = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    if (head.length < 4 || head.length < head.readInt32BE(0)) return;
    client.off('data', first);
    const length = head.readInt32BE(0);
    upstream.write(withDatabase(head.subarray(0, length), database));
    if (head.length > length) upstream.write(head.subarray(length));
    client.pipe(upstream);
  };
  client.on('data', first);
}

/**
 * A TCP proxy in front of PostgreSQL that can be cut as a restart cuts it: open connections closed,
 * new ones refused (nothing listens), then put back on the same port. `moveTo` plays a failover's
 * address move: connections opened after it reach another database (the new primary) while those
 * opened before stay where they were (the demoted one).
 */
export async function cuttableProxy(targetPort = Number(new URL(TEST_PG_URL).port || '5432')) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let movedTo: string | null = null;
  const listen = (port: number) =>
    new Promise<number>((done, fail) => {
      server = createServer((client) => {
        const upstream = connectTcp(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
        }
        forwardAsking(client, upstream, movedTo);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done((server!.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const cut = async () => {
    const closed = new Promise((done) => server!.close(done));
    sockets.forEach((socket) => socket.destroy());
    await closed;
  };
  /** `url` (a test database's) going through the proxy. */
  const via = (url: string) => {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(port);
    return parsed.href;
  };
  const moveTo = (database: string) => void (movedTo = database);
  return { port, via, cut, moveTo, restore: () => listen(port), close: cut };
}

/**
 * Makes every connection of a pool of `size` read-only for the rest of its session, as after a
 * failover the pool's connections to the demoted primary are (this session only: never the
 * shared server's settings), and gives them back to the pool.
 */
export async function demoteConnections(handle: DbHandle, size: number): Promise<void> {
  let arrived = 0;
  let all = () => undefined as void;
  const together = new Promise<void>((done) => (all = done));
  await Promise.all(
    Array.from({ length: size }, () =>
      handle.db.connection().execute(async (connection) => {
        await sql`set session characteristics as transaction read only`.execute(connection);
        if (++arrived === size) all();
        await together;
      }),
    ),
  );
}
