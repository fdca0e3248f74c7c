// The staffing forecast's worker thread (src/services/forecast.ts): runs runForecast of
// src/core/forecast on the job it is given and posts the result back, so a replay of months of
// tickets never holds up the server's event loop. Plain JavaScript, so that a worker thread can
// start it however the process runs: from dist/ the compiled module sits beside it; from the
// sources (tsx, vitest) the TypeScript is loaded through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { importThreadModule } from '../threadModule.mjs';

const { runForecast } = await importThreadModule('../core/forecast', import.meta.url);
parentPort.postMessage(runForecast(workerData));
