/**
 * The commander program. Thin: parse flags, lazily import the command, call the library. The one
 * error handler maps error classes to exit codes; this folder is the only place that writes to the
 * terminal or decides the exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { InterruptedError, MlkitError, EXIT_CODES } from '../core/errors.js';
import { MLKIT_VERSION } from '../version.js';
import { errorLine, stopLiveBar, type GlobalOptions } from './output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
/** --format: the input's format when neither its extension nor its first bytes should decide */
const formatOption = () => new Option('--format <format>', 'format of the data (default: from the extension, else sniffed from the first bytes)').choices(['csv', 'parquet', 'ndjson']);

/** Runs a command with the run's AbortSignal (aborted on SIGINT / SIGTERM). */
type Runner = (fn: (signal: AbortSignal) => Promise<number | void>) => Promise<void>;

export function buildProgram(run: Runner): Command {
  const program = new Command('mlkit')
    .description('machine learning for tabular and time-series data, from the command line')
    .version(MLKIT_VERSION, '-V, --version')
    .option('--json', 'print one machine-readable JSON summary on stdout')
    .option('-q, --quiet', 'no progress or informational output on stderr')
    .option('--debug', 'print stack traces and debug detail')
    .addOption(new Option('--set <key.path=value>', 'override a config key (repeatable)').argParser(collect))
    // commander's usage errors as one line like every other error (subcommands inherit this)
    .configureOutput({ outputError: (str, write) => write(`mlkit: ${str.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (mlkit --help for usage)\n`) })
    .exitOverride();

  program.command('train')
    .description('train a model from a YAML config and write a model bundle')
    .argument('<config>', 'YAML config file')
    .option('--force', 'replace a bundle of another task at output.dir (never a file or a folder that is not a bundle)')
    .option('--resume', 'neural models: continue training from the last checkpoint (train.checkpoint) instead of starting over')
    .action((config: string, _o, cmd: Command) => run(async (signal) => {
      const { trainCommand } = await import('./train/index.js');
      return trainCommand(config, cmd.optsWithGlobals<GlobalOptions>(), signal);
    }));

  program.command('preprocess')
    .description('fit the pipeline of a config on data.train and write the transformed table (and save the fitted pipeline); or apply a saved one with --model')
    .argument('<input...>', 'CONFIG, or with --model: DATA (a file or - for stdin)')
    .option('-m, --model <dir>', 'apply the pipeline of this bundle (a preprocess bundle or a trained model) without refitting')
    .addOption(formatOption())
    .option('-o, --out <file>', "output file (.csv, .parquet, .ndjson) or '-' for CSV on stdout", '-')
    .option('--force', 'replace a bundle of another task at output.dir (never a file or a folder that is not a bundle)')
    .action((input: string[], _o, cmd: Command) => run(async (signal) => {
      const { preprocessCommand } = await import('./preprocess/index.js');
      return preprocessCommand(input, cmd.optsWithGlobals(), signal);
    }));

  program.command('predict')
    .description('predict with a model bundle; writes CSV (prediction, proba_<class>...)')
    .requiredOption('-m, --model <dir>', 'model bundle folder')
    .argument('<data>', "data file (CSV, Parquet, NDJSON) or '-' for stdin")
    .addOption(formatOption())
    .option('-o, --out <file>', "output file (.csv, .parquet, .ndjson) or '-' for stdout", '-')
    .action((data: string, _o, cmd: Command) => run(async (signal) => {
      const { predictCommand } = await import('./predict/index.js');
      return predictCommand(data, cmd.optsWithGlobals(), signal);
    }));

  program.command('evaluate')
    .description('compute metrics of a model bundle on labelled data; gate CI on them')
    .requiredOption('-m, --model <dir>', 'model bundle folder')
    .argument('<data>', "labelled data file or '-' for stdin")
    .addOption(formatOption())
    .addOption(new Option('--fail-under <metric=value>', 'exit 1 when the metric is below value (repeatable)').argParser(collect))
    .addOption(new Option('--fail-over <metric=value>', 'exit 1 when the metric is above value (repeatable)').argParser(collect))
    .option('--backtest', 'forecasting bundles: rolling-origin backtest on DATA (evaluate.backtest of the training config: folds, horizon, step); metrics per fold and overall')
    .option('--label <column>', 'detection bundles: the 0/1 label column of DATA (default: the config\'s detect.label)')
    .option('--windows <file>', 'detection bundles: NAB-style anomaly windows (a JSON list of [start, end] timestamps, or NAB\'s combined_windows.json); adds NAB scores')
    .action((data: string, _o, cmd: Command) => run(async (signal) => {
      const { evaluateCommand } = await import('./evaluate/index.js');
      return evaluateCommand(data, cmd.optsWithGlobals(), signal);
    }));

  program.command('detect')
    .description('stream rows through a detection bundle: one verdict per input row (time, score, threshold, anomaly, cause)')
    .requiredOption('-m, --model <dir>', 'detection bundle folder (task: detect)')
    .argument('[data]', "data file (CSV, NDJSON, Parquet) or '-' for stdin", '-')
    .addOption(new Option('--format <format>', 'format of the data (default: from the extension, else sniffed from the first bytes)').choices(['csv', 'ndjson', 'parquet']))
    .option('-o, --out <file>', "output file (.csv, .ndjson, .parquet) or '-' for stdout", '-')
    .option('--fail-on-anomaly', 'exit 1 when any row was flagged anomalous')
    .addOption(new Option('--on-bad-row <policy>', 'a bad row (ragged, text or an empty, NaN or infinite value in a channel, a bad time, bytes that are not text, an empty line): fail (exit 3 naming its line; the rows before it are written), skip (counted), flag (written with an error column)').choices(['fail', 'skip', 'flag']).default('fail'))
    .action((data: string, _o, cmd: Command) => run(async (signal) => {
      const { detectCommand } = await import('./detect/index.js');
      return detectCommand(data, cmd.optsWithGlobals(), signal);
    }));

  program.command('forecast')
    .description('forecast with a forecasting bundle; writes CSV [id,]<time>,forecast,lower,upper')
    .requiredOption('-m, --model <dir>', 'forecasting model bundle folder')
    .option('-H, --horizon <steps>', 'steps ahead (default: forecast.horizon of the training config)')
    .option('-i, --input <file>', "recent history to forecast from (CSV, Parquet, NDJSON or '-'); the model refits its state, not its hyperparameters")
    .option('-o, --out <file>', "output file (.csv, .parquet, .ndjson) or '-' for stdout", '-')
    .action((_o, cmd: Command) => run(async (signal) => {
      const { forecastCommand } = await import('./forecast/index.js');
      return forecastCommand(cmd.optsWithGlobals(), signal);
    }));

  program.command('list')
    .description('the components you can name in a config (transformers, estimators, forecasters, detectors): description, tags, params with types and defaults')
    .argument('[kind]', 'only this kind: transformer, estimator, forecaster or detector')
    .action((kind: string | undefined, _o, cmd: Command) => run(async () => {
      const { listCommand } = await import('./list/index.js');
      return listCommand(kind, cmd.optsWithGlobals<GlobalOptions>());
    }));

  program.command('doctor')
    .description('which engines and backends are active, and what hardware each model kind wants')
    .action((_o, cmd: Command) => run(async () => {
      const { doctorCommand } = await import('./doctor/index.js');
      return doctorCommand(cmd.optsWithGlobals<GlobalOptions>());
    }));

  program.addHelpText('after', `
Exit codes: 0 ok, 1 a check failed (metric gate, --fail-on-anomaly), 2 usage or config error, 3 input data error,
4 model bundle error, 70 internal error, 130 interrupted.`);
  return program;
}

function debugWanted(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.MLKIT_DEBUG === '1';
}

/** Runs the CLI; returns the exit code (the launcher sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const debug = debugWanted(argv);
  // The run's AbortController: SIGINT / SIGTERM abort it; the library stops at its next check and throws
  // InterruptedError, which handleError turns into exit 130 after the task has cleaned up (no bundle,
  // no partial output file). A second signal exits at once.
  const run: Runner = async (fn) => {
    const ac = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (!ac.signal.aborted) {
        stopLiveBar();
        if (debug) process.stderr.write(`\n${sig}: stopping (again to exit at once)\n`);
        ac.abort(new InterruptedError(`interrupted (${sig})`));
        return;
      }
      stopLiveBar();
      process.stderr.write('\nmlkit: interrupted\n');
      process.exit(EXIT_CODES.interrupted);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      code = (await fn(ac.signal)) ?? 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    code = handleError(e, debug);
  }
  return code;
}

export function handleError(e: unknown, debug: boolean): number {
  stopLiveBar();
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return EXIT_CODES.usage; // commander already printed the message
  }
  if (e instanceof MlkitError) {
    process.stderr.write(errorLine(`mlkit: ${e.format()}`) + '\n');
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(errorLine(`mlkit: internal error: ${String(err?.message ?? err).split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}`) + '\n');
  if (debug) process.stderr.write(String(err?.stack ?? err) + '\n');
  return EXIT_CODES.internal;
}
