/**
 * Preloaded with `node --import` by tests/lazy-loading.test.ts: registers module hooks that append the
 * URL of every ES module (and CommonJS entry imported from ESM) the process loads to the file named by
 * MLKIT_MODULE_LOG.
 */
import { register } from 'node:module';

register(new URL('./record-modules-hooks.js', import.meta.url), { data: { log: process.env.MLKIT_MODULE_LOG } });
