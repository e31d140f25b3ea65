/**
 * What a task runs with: the component registry, where notes go, the cancellation signal, and how to
 * draw progress. The CLI builds it (the only place that owns the AbortController and the terminal);
 * tests build their own. Tasks never read a module global for any of these.
 */
import type { Callback } from './component.js';
import type { Logger } from './log.js';
import type { Registry } from './registry.js';

/** A progress bar the CLI draws (stderr, TTY only). */
export interface Progress { tick(n?: number, note?: string): void; stop(): void }

export interface RunContext {
  registry: Registry;
  log: Logger;
  /** aborted on Ctrl-C / SIGTERM */
  signal: AbortSignal;
  callbacks?: Callback[];
  /** a progress bar over `total` steps (boosting rounds, epochs, series fitted), with a note (e.g. the loss); absent: no bar */
  progress?: (label: string, total: number) => Progress;
  /** off a TTY: where one JSON line per epoch of neural training goes (forecast and detect; tabular training has its own callback) */
  epochLines?: (epoch: number, logs: Record<string, unknown>, fit?: string) => void;
  /** stdin contents for '-' (tests) */
  stdin?: Buffer;
  /** --force: a bundle may replace one of another task at output.dir */
  force?: boolean;
  /** --resume: neural training starts from its last checkpoint */
  resume?: boolean;
}

/** A progress bar's note after an epoch: the loss, the validation loss and train.metrics. */
export function epochNote(logs: Record<string, unknown>): string {
  return Object.entries(logs).filter(([k, v]) => k !== 'lr' && k !== 'seconds' && typeof v === 'number').map(([k, v]) => `${k} ${Number((v as number).toPrecision(4))}`).join(' ');
}
