// The delivery thread's entry (src/jobs/deliveryThread.ts): runs runDeliveryThread of
// src/jobs/deliveryThreadMain on the data it is given. Plain JavaScript, so that a worker thread
// can start it however the process runs: from dist/ the compiled module sits beside it; from the
// sources (tsx, vitest) the TypeScript is loaded through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const compiled = new URL('./deliveryThreadMain.js', import.meta.url);
const { runDeliveryThread } = existsSync(fileURLToPath(compiled))
  ? await import(compiled.href)
  : await (await import('tsx/esm/api')).tsImport('./deliveryThreadMain.ts', import.meta.url);
runDeliveryThread(workerData, parentPort);
