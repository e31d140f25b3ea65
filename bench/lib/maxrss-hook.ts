/**
 * Preloaded with `node --import` when GNU time is not available: on exit, writes this process's
 * peak RSS (KiB) and CPU times to the file named by BENCH_MAXRSS_FILE. Has no effect without it.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MAXRSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userSeconds: u.userCPUTime / 1e6, sysSeconds: u.systemCPUTime / 1e6 }));
  });
}
