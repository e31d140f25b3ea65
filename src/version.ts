import { readFileSync } from 'node:fs';
/** mlkit's version, from package.json (read once, cheaply). */
export const MLKIT_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
