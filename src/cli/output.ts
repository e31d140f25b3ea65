/**
 * Terminal output: results on stdout, everything else on stderr; colour and progress bars only when
 * stderr is a TTY and NO_COLOR is unset; --quiet silences info and progress (warnings stay).
 */
import type { Callback, Logger } from '../core/types.js';

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  set?: string[];
}

export const stderrIsTTY = (): boolean => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;

function paint(kind: 'warn' | 'dim' | 'err', s: string): string {
  if (!stderrIsTTY()) return s;
  const codes = { warn: 33, dim: 2, err: 31 } as const;
  return `\u001b[${codes[kind]}m${s}\u001b[0m`;
}

export function makeLogger(opts: GlobalOptions): Logger {
  return {
    info: (m) => { if (!opts.quiet) process.stderr.write(m + '\n'); },
    warn: (m) => { process.stderr.write(paint('warn', m) + '\n'); },
    debug: (m) => { if (opts.debug) process.stderr.write(paint('dim', m) + '\n'); },
  };
}

export function errorLine(s: string): string {
  return paint('err', s);
}

/** A progress bar over boosting rounds / epochs as a callback; a no-op off a TTY or with --quiet. */
export async function progressCallback(opts: GlobalOptions, label: string): Promise<Callback | undefined> {
  if (opts.quiet || !stderrIsTTY()) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  let bar: InstanceType<typeof cliProgress.SingleBar> | undefined;
  return {
    onTrainBegin(logs) {
      bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: `${label} [{bar}] {value}/{total} {metric}`,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      bar.start(Number(logs.numRound ?? 0), 0, { metric: '' });
    },
    onEpochEnd(epoch, logs) {
      const entry = Object.entries(logs).find(([k, v]) => k.startsWith('valid_') && v !== undefined);
      bar?.update(epoch + 1, { metric: entry ? `${entry[0].slice(6)} ${Number(entry[1]).toFixed(5)}` : '' });
    },
    onTrainEnd() { bar?.stop(); },
  };
}

/**
 * A factory of progress bars over counted steps (e.g. series fitted), for RunContext.progress;
 * undefined off a TTY or with --quiet.
 */
export async function progressBars(opts: GlobalOptions): Promise<((label: string, total: number) => { tick(n?: number): void; stop(): void }) | undefined> {
  if (opts.quiet || !stderrIsTTY()) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  return (label, total) => {
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    let done = 0;
    return {
      tick(n = 1) { done += n; bar.update(done); },
      stop() { bar.stop(); },
    };
  };
}

export function formatMetrics(m: Record<string, number | undefined>): string {
  return Object.entries(m).map(([k, v]) => `${k.padEnd(10)} ${v === undefined || Number.isNaN(v) ? 'n/a' : Number(v.toPrecision(6))}`).join('\n');
}
