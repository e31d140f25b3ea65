/**
 * Errors as data: every error mlkit raises on purpose is an MlkitError with a code that the CLI's
 * one error handler maps to an exit code. Library code never prints or exits.
 */
export type ErrorKind = 'usage' | 'config' | 'data' | 'bundle' | 'check' | 'internal' | 'interrupted';

export const EXIT_CODES: Record<ErrorKind, number> = {
  check: 1,
  usage: 2,
  config: 2,
  data: 3,
  bundle: 4,
  internal: 70,
  interrupted: 130,
};

export interface Place {
  /** file the problem is in */
  file?: string;
  /** 1-based line (for CSV: physical line of the row, header = line 1) */
  line?: number;
  /** 1-based column (character position) */
  col?: number;
  /** dot-path in a config, or a column name in data */
  path?: string;
}

export class MlkitError extends Error {
  readonly kind: ErrorKind;
  readonly place: Place;
  constructor(kind: ErrorKind, message: string, place: Place = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.place = place;
    this.name = 'MlkitError';
  }
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
  /** One line: `file:line:col path: message` (parts that are unknown are left out). */
  format(): string {
    const { file, line, col, path } = this.place;
    let where = file ?? '';
    if (file && line !== undefined) where += `:${line}`;
    if (file && line !== undefined && col !== undefined) where += `:${col}`;
    const parts = [where, path].filter((p) => p !== undefined && p !== '');
    const prefix = parts.length ? parts.join(' ') + ': ' : '';
    return (prefix + this.message).replace(/\s*\n\s*/g, ' ');
  }
}

export class UsageError extends MlkitError {
  constructor(message: string, place: Place = {}) { super('usage', message, place); }
}
export class ConfigError extends MlkitError {
  constructor(message: string, place: Place = {}) { super('config', message, place); }
}
export class DataError extends MlkitError {
  constructor(message: string, place: Place = {}, options?: { cause?: unknown }) { super('data', message, place, options); }
}
export class BundleError extends MlkitError {
  constructor(message: string, place: Place = {}, options?: { cause?: unknown }) { super('bundle', message, place, options); }
}
/** A gate or check the user asked for did not pass (exit 1). */
export class CheckFailed extends MlkitError {
  constructor(message: string) { super('check', message); }
}
export class InterruptedError extends MlkitError {
  constructor(message = 'interrupted') { super('interrupted', message); }
}

/** A component used before fit() (or restore()): predict, transform, score, save. */
export class NotFittedError extends MlkitError {
  constructor(name: string, what = 'this call') { super('internal', `${name}: ${what} needs a fitted component (call fit() first)`); this.name = 'NotFittedError'; }
}

/** The error of `kind` as its own class (DataError for 'data', ...): an error that crossed a thread boundary as plain data. */
export function errorOfKind(kind: ErrorKind, message: string, place: Place = {}): MlkitError {
  switch (kind) {
    case 'usage': return new UsageError(message, place);
    case 'config': return new ConfigError(message, place);
    case 'data': return new DataError(message, place);
    case 'bundle': return new BundleError(message, place);
    case 'interrupted': return new InterruptedError(message);
    default: return new MlkitError(kind, message, place);
  }
}

/** Throws InterruptedError when the run was cancelled (Ctrl-C, SIGTERM). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}
