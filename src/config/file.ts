/**
 * Reading a config file: light (node:fs only), so that a mistyped path is reported before the YAML
 * parser, zod and the component specs load.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';

export function readConfigFile(file: string, cwd = process.cwd()): string {
  const abs = path.resolve(cwd, file);
  try {
    if (statSync(abs).isDirectory()) throw new ConfigError('is a folder, expected a YAML config file', { file });
    return readFileSync(abs, 'utf8');
  } catch (e: any) {
    if (e instanceof ConfigError) throw e;
    if (e?.code === 'ENOENT') throw new ConfigError('config file not found', { file });
    throw new ConfigError(`cannot read config file: ${e?.message ?? e}`, { file });
  }
}
