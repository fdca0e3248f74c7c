// How a worker thread's entry (a plain JavaScript .mjs, so a thread can start it however the process
// runs) loads the TypeScript module it runs: from dist/ the compiled `.js` sits beside the entry; from
// the sources (tsx, vitest) the `.ts` is loaded through tsx. Shared by every thread entry
// (jobs/deliveryThread.mjs, mail/inbound/mimeWorker.mjs, services/forecastWorker.mjs), so none of them
// can again load the sources only and fail in the compiled build.
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

/** The module at `path` (relative to `base`, the entry's import.meta.url, without its extension). */
export async function importThreadModule(path, base) {
  const compiled = new URL(`${path}.js`, base);
  if (existsSync(fileURLToPath(compiled))) return import(compiled.href);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(`${path}.ts`, base);
}
