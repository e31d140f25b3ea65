/** The logger library code writes through (the CLI decides where lines go; library code never prints). */
export interface Logger {
  /** progress and informational lines (stderr; silenced by --quiet) */
  info(msg: string): void;
  /** things the user should know about (stderr; still shown with --quiet) */
  warn(msg: string): void;
  debug(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
