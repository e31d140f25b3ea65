/**
 * Terminal output: results on stdout, everything else on stderr; colour and progress bars only when
 * stderr is a TTY and NO_COLOR is unset; --quiet silences info and progress (warnings stay).
 */
import type { Callback, Logger } from '../core/types.js';
import type { RunContext } from '../core/context.js';

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  set?: string[];
  /** train, preprocess: replace a bundle of another task */
  force?: boolean;
  resume?: boolean;
}

export const stderrIsTTY = (): boolean => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;

function paint(kind: 'warn' | 'dim' | 'err', s: string): string {
  if (!stderrIsTTY()) return s;
  const codes = { warn: 33, dim: 2, err: 31 } as const;
  return `\u001b[${codes[kind]}m${s}\u001b[0m`;
}

/** The progress bar on screen, if any (one at a time): log lines are written above it. */
let liveBar: { render(): void; stop(): void } | undefined;

/**
 * Stop the bar on screen, if any, giving the terminal back its cursor and line wrapping: before an
 * error line or an exit on Ctrl-C, which would otherwise leave the user's terminal without a cursor.
 */
export function stopLiveBar(): void {
  liveBar?.stop();
  liveBar = undefined;
}

/**
 * A line on stderr. With a bar on screen: clear the bar's line, write the line there with line wrapping
 * on (cli-progress turns it off while a bar is drawn, which would cut long warnings at the terminal's
 * width), save the cursor on the new line, where cli-progress's stop() will restore it, turn wrapping
 * off again and redraw the bar there.
 */
function writeLine(line: string): void {
  if (!liveBar) {
    process.stderr.write(line + '\n');
    return;
  }
  process.stderr.write(`\r\u001b[2K\u001b[?7h${line}\n\u001b7\u001b[?7l`);
  liveBar.render();
}

export function makeLogger(opts: GlobalOptions): Logger {
  return {
    info: (m) => { if (!opts.quiet) writeLine(m); },
    warn: (m) => { writeLine(paint('warn', m)); },
    debug: (m) => { if (opts.debug) writeLine(paint('dim', m)); },
  };
}

type CliProgress = typeof import('cli-progress');
type Bar = InstanceType<CliProgress['SingleBar']>;

/** Start a bar on stderr and make it the live one (log lines go above it) until it stops. */
function startBar(cliProgress: CliProgress, format: string, total: number, payload?: Record<string, unknown>): { bar: Bar; stop(): void } {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format,
    hideCursor: true,
    clearOnComplete: true,
    // redraw on every render, so that a redraw after a log line is not skipped as unchanged
    forceRedraw: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, payload);
  liveBar = bar;
  return {
    bar,
    stop() {
      if (liveBar === bar) liveBar = undefined;
      bar.stop();
    },
  };
}

export function errorLine(s: string): string {
  return paint('err', s);
}

/**
 * Training progress as a callback: on a TTY a bar over boosting rounds or epochs (with the loss and
 * validation loss of neural training); off a TTY, neural training writes one JSON line per epoch on
 * stderr ({"epoch", "loss", "val_loss", "lr", "seconds"}); boosting rounds print nothing. Nothing with
 * --quiet.
 */
const num = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(6)) : undefined);

/** One epoch's line: {"epoch", "loss", "val_loss", train.metrics..., "lr", "seconds"} (with "fit" first when a run trains several times). */
export function epochLine(epoch: number, logs: Record<string, unknown>, fit?: string): Record<string, unknown> {
  const extra = Object.fromEntries(Object.entries(logs).filter(([k]) => !['loss', 'val_loss', 'lr', 'seconds'].includes(k)).map(([k, v]) => [k, num(v)]));
  return { ...(fit ? { fit } : {}), epoch: epoch + 1, loss: num(logs.loss), val_loss: num(logs.val_loss), ...extra, lr: num(logs.lr), seconds: num(logs.seconds) };
}

/** Off a TTY and without --quiet: a writer of one JSON epoch line on stderr (RunContext.epochLines). */
export function epochLineWriter(opts: GlobalOptions): NonNullable<RunContext['epochLines']> | undefined {
  if (opts.quiet || stderrIsTTY()) return undefined;
  return (epoch, logs, fit) => { process.stderr.write(JSON.stringify(epochLine(epoch, logs, fit)) + '\n'); };
}

export async function progressCallback(opts: GlobalOptions, label: string): Promise<Callback | undefined> {
  if (opts.quiet) return undefined;
  const tty = stderrIsTTY();
  const cliProgress = tty ? (await import('cli-progress')).default : undefined;
  let live: ReturnType<typeof startBar> | undefined;
  let epochs = false;
  return {
    onTrainBegin(logs) {
      epochs = logs.unit === 'epoch';
      if (cliProgress) live = startBar(cliProgress, `${epochs ? 'epochs' : label} [{bar}] {value}/{total} {metric}${epochs ? ' {eta_formatted}' : ''}`, Number(logs.steps ?? 0), { metric: '' });
    },
    onEpochEnd(epoch, logs) {
      if (epochs) {
        const line = epochLine(epoch, logs);
        if (live) live.bar.update(epoch + 1, { metric: `loss ${line.loss}${line.val_loss !== undefined ? ` val_loss ${line.val_loss}` : ''}` });
        else process.stderr.write(JSON.stringify(line) + '\n');
        return;
      }
      const entry = Object.entries(logs).find(([k, v]) => k.startsWith('valid_') && v !== undefined);
      live?.bar.update(epoch + 1, { metric: entry ? `${entry[0].slice(6)} ${Number(entry[1]).toFixed(5)}` : '' });
    },
    onTrainEnd() { live?.stop(); },
  };
}

/**
 * A factory of progress bars over counted steps (e.g. series fitted), for RunContext.progress;
 * undefined off a TTY or with --quiet.
 */
export async function progressBars(opts: GlobalOptions): Promise<NonNullable<RunContext['progress']> | undefined> {
  if (opts.quiet || !stderrIsTTY()) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  return (label, total) => {
    const live = startBar(cliProgress, `${label} [{bar}] {value}/{total} {eta_formatted} {note}`, total, { note: '' });
    let done = 0;
    return {
      tick(n = 1, note?: string) { done += n; live.bar.update(done, note !== undefined ? { note } : undefined); },
      stop() { live.stop(); },
    };
  };
}

export function formatMetrics(m: Record<string, number | undefined>): string {
  const w = Math.max(10, ...Object.keys(m).map((k) => k.length));
  return Object.entries(m).map(([k, v]) => `${k.padEnd(w)} ${v === undefined || Number.isNaN(v) ? 'n/a' : Number(v.toPrecision(6))}`).join('\n');
}
