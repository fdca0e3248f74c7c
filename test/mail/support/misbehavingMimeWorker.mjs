// A parse thread that misbehaves on cue, for test/mail/mime-thread.test.ts: a mail with the header
// `X-Test: hang` never finishes (a busy loop, as a pathological parse would), one with
// `X-Test: die` ends the thread; any other is read as the real thread reads it, one at a time.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { readMail } = await tsImport('../../../src/mail/inbound/parse.ts', import.meta.url);

let queue = Promise.resolve();
parentPort.on('message', ({ id, raw }) => {
  queue = queue.then(async () => {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const text = bytes.toString('latin1');
    if (/^X-Test: hang$/m.test(text)) for (;;);
    if (/^X-Test: die$/m.test(text)) process.exit(3);
    parentPort.postMessage({ id, mail: await readMail(bytes) });
  });
});
parentPort.postMessage({ ready: true });
