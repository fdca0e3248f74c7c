/**
 * One of several processes asking for the generated signing key of `count` new SQLite folders at
 * the same moment (test/process/server.test.ts): waits until `startAt` (epoch ms) to line up with
 * the others, then prints the keys it got, in order, as JSON.
 */
import { signingKey } from '../../../src/signingKey.js';

const [dir, startAt, count] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
while (Date.now() < startAt) {
  // Busy-wait: a timer would let the processes drift apart.
}
const keys: string[] = [];
for (let i = 0; i < count; i++) keys.push(signingKey({ secretKey: undefined, databaseUrl: `sqlite:${dir}/${i}/helpdesk.sqlite` }));
console.log(JSON.stringify(keys));
