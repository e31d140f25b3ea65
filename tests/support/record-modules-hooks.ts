/** Module hooks (they run on the loader thread): log each loaded URL. See record-modules.ts. */
import { appendFileSync } from 'node:fs';

let log: string | undefined;

export async function initialize(data: { log?: string } | undefined): Promise<void> {
  log = data?.log;
}

export async function load(url: string, context: unknown, nextLoad: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  if (log) appendFileSync(log, url + '\n');
  return nextLoad(url, context);
}
