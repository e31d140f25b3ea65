/**
 * Config loading: YAML text -> document (positions kept) -> --set overrides -> zod schema ->
 * cross-field rules (estimator params validated by the estimator's own spec). Every error is a
 * ConfigError that names file:line:col and the dot-path.
 */
import path from 'node:path';
import { readConfigFile } from './file.js';
import { parseDocument, LineCounter, isMap, isSeq, parse as parseYamlValue } from 'yaml';
import { configSchema, type AnyConfig, type Config } from './schema.js';
import { ConfigError, UsageError, type Place } from '../core/errors.js';
import { validatePipeline } from './pipeline.js';
import { formatPath, issueToError, PlaceFinder, valueAt } from './places.js';
import { FREQ_ALIASES, parseDuration, parseFreq } from '../core/time.js';
import type { Registry } from '../core/registry.js';

export interface LoadedConfig<C = Config> {
  config: C;
  /** the config file as given */
  file: string;
  /** folder data paths are relative to */
  baseDir: string;
  /** absolute paths resolved from data.train / data.test / data.validation ('-' stays '-') */
  trainPath: string;
  testPath?: string;
  validationPath?: string;
  outputDir: string;
  /** estimator params after the estimator's own schema (defaults filled in) */
  modelParams: Record<string, unknown>;
  /** the component's runtime options (the `model:` keys besides type and params), after its spec's options schema */
  modelOptions: Record<string, unknown>;
  /** where a config key is (file:line:col, or the --set that gave it): for errors found after loading */
  placeOf?(p: (string | number)[]): Place;
}

type PathSeg = string | number;

/** Cross-field rules of task forecast. */
function forecastRules(config: AnyConfig, finder: PlaceFinder): void {
  const d = config.data;
  const at = (p: PathSeg[], msg: string) => new ConfigError(msg, { ...finder.find(p), path: formatPath(p) });
  if (Array.isArray(config.pipeline)) throw at(['pipeline'], 'task forecast builds its own features (e.g. model.params.lags for xgboost); pipeline must be auto or left out');
  const special = [['data', 'target', d.target], ['data', 'time', d.time], ['data', 'id', d.id]] as const;
  for (let i = 0; i < special.length; i++) {
    for (let j = i + 1; j < special.length; j++) {
      if (special[i][2] !== undefined && special[i][2] === special[j][2]) throw at([special[j][0], special[j][1]], `"${special[j][2]}" is also data.${special[i][1]}; each needs its own column`);
    }
  }
  d.exog.forEach((c, k) => {
    const clash = special.find((s) => s[2] === c);
    if (clash) throw at(['data', 'exog', k], `"${c}" is data.${clash[1]}; it cannot also be an exogenous column`);
    if (d.exog.indexOf(c) !== k) throw at(['data', 'exog', k], `"${c}" is listed twice`);
  });
  if (d.freq !== undefined && !parseFreq(d.freq)) throw at(['data', 'freq'], `unknown frequency ${JSON.stringify(d.freq)}: expected an alias with an optional multiple (${FREQ_ALIASES.join(', ')}; e.g. 15min, 2h, MS) or a positive number for numeric times`);
  if (d.test !== undefined) throw at(['data', 'test'], 'task forecast does not use data.test: evaluate with a backtest (evaluate.backtest, or mlkit evaluate --backtest)');
  if (d.validation !== undefined) throw at(['data', 'validation'], 'task forecast does not use data.validation: the neural forecasters hold out the last windows of each series (a tenth) for val_loss');
}

/** Cross-field rules of task detect; the detector's params are validated by its own spec. */
/** the XGBoost objectives of each detect mode's model: predictive regresses the next change, supervised is a binary classifier */
const DETECT_OBJECTIVES: Record<'predictive' | 'supervised', string[]> = {
  predictive: ['reg:squarederror', 'reg:absoluteerror', 'reg:pseudohubererror'],
  supervised: ['binary:logistic'],
};

function detectRules(config: AnyConfig, raw: unknown, finder: PlaceFinder, registry: Registry): void {
  const d = config.detect;
  const at = (p: PathSeg[], msg: string) => new ConfigError(msg, { ...finder.find(p), path: formatPath(p) });
  if (!d) return;
  if (Array.isArray(config.pipeline)) throw at(['pipeline'], 'task detect builds its own features; pipeline must be auto or left out');
  if (config.data.validation !== undefined) throw at(['data', 'validation'], 'task detect does not use data.validation: the detectors hold out the last 25% of the nominal rows (data.train)');
  // detect.detector has a default (statistical): only a detector written in the config (or --set) is blamed
  if (d.mode !== 'unsupervised' && valueAt(raw, ['detect', 'detector']) !== undefined) {
    throw at(['detect', 'detector'], `detect.detector is for detect.mode unsupervised only; detect.mode ${d.mode} uses model: ${d.mode === 'predictive' ? '{ type: xgboost, arima, naive or seasonal_naive }' : '{ type: xgboost } (a classifier on detect.label)'}`);
  }
  if (d.mode === 'unsupervised' && (d.detector === 'predictive' || d.detector === 'supervised')) {
    throw at(['detect', 'detector'], `"${d.detector}" is not an unsupervised detector: it is detect.mode ${d.detector} (with model:${d.detector === 'supervised' ? ' and detect.label' : ''}); unsupervised detectors: ${registry.names('detector').filter((n) => n !== 'predictive' && n !== 'supervised').join(', ')}`);
  }
  if (d.mode === 'unsupervised' && config.model) throw at(['model'], 'detect.mode unsupervised uses detect.detector (and detect.params), not model:');
  if (d.mode === 'unsupervised' && 'adapt' in d.params) throw at(['detect', 'params', 'adapt'], 'adapt is set by detect.adapt (beside detect.params), not in detect.params');
  if ('train' in d.params) throw at(['detect', 'params', 'train'], 'train: goes at the top level of the config (beside detect:), not inside detect.params');
  if (d.mode !== 'unsupervised' && config.model?.params.objective !== undefined) {
    const allowed = DETECT_OBJECTIVES[d.mode];
    const o = config.model.params.objective;
    if (!allowed.includes(String(o))) throw at(['model', 'params', 'objective'], `detect.mode ${d.mode} ${d.mode === 'predictive' ? 'regresses each next change' : 'is a binary classifier (the score is P(fault))'}: objective ${allowed.length > 1 ? `${allowed[0]} (default), ${allowed.slice(1, -1).join(', ')}${allowed.length > 2 ? ' or ' : ''}${allowed[allowed.length - 1]}` : allowed[0]}, not ${JSON.stringify(o)}`);
  }
  if (d.mode !== 'unsupervised' && d.adapt) throw at(['detect', 'adapt'], 'detect.adapt is for detect.mode unsupervised');
  if (d.mode !== 'supervised' && d.label !== undefined) throw at(['detect', 'label'], 'detect.label is for detect.mode supervised (the other modes learn from nominal data, without labels)');
  if (d.mode !== 'supervised' && d.lead !== undefined) throw at(['detect', 'lead'], 'detect.lead is for detect.mode supervised');
  if (d.mode === 'unsupervised') {
    let spec;
    try {
      spec = registry.get('detector', d.detector, 'detect.detector');
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.message, { ...finder.find(['detect', 'detector']), path: 'detect.detector' });
      throw e;
    }
    const params = { ...d.params, adapt: d.adapt };
    const pr = spec.params.safeParse(params);
    if (!pr.success) throw issueToError(pr.error.issues, params, spec.params, finder, ['detect', 'params']);
  }
  if (d.mode === 'predictive' && config.model) {
    const m = config.model;
    if (!['xgboost', 'arima', 'naive', 'seasonal_naive', 'rnn', 'cnn', 'transformer', 'fno'].includes(m.type)) throw at(['model', 'type'], `detect.mode predictive takes model.type xgboost, arima, rnn, cnn, transformer, fno, naive or seasonal_naive, not ${JSON.stringify(m.type)}`);
    if (m.type === 'seasonal_naive' && m.params.s === undefined) throw at(['model', 'params'], 'seasonal_naive needs model.params.s: the season length in rows (detect has no frequency to take it from)');
    for (const k of ['rolling', 'calendar', 'differences', 'scale', 'per_series']) {
      if (k in m.params) throw at(['model', 'params', k], `${k} is for forecasting; detect.mode predictive predicts each next value from the lagged changes (params: lags and XGBoost's own)`);
    }
    if (Array.isArray(m.params.lags)) throw at(['model', 'params', 'lags'], 'detect.mode predictive takes lags as a number n (the last n changes)');
    if (m.type === 'naive' && Object.keys(m.params).length) throw at(['model', 'params'], 'the naive predictor takes no params');
  }
  if (d.mode === 'supervised') {
    if (config.model && config.model.type !== 'xgboost') throw at(['model', 'type'], `detect.mode supervised takes model.type xgboost (a classifier), not ${JSON.stringify(config.model.type)}`);
    const extra = Object.keys(d.params).find((k) => k !== 'lags');
    if (extra !== undefined) throw at(['detect', 'params', extra], `detect.mode supervised takes detect.params.lags only (the changes each channel's features include); XGBoost's params go in model.params`);
    if (d.params.lags !== undefined && !(Number.isInteger(d.params.lags) && (d.params.lags as number) >= 0 && (d.params.lags as number) <= 256)) throw at(['detect', 'params', 'lags'], 'expected an integer from 0 to 256');
    if (typeof d.lead === 'string' && !parseDuration(d.lead)) throw at(['detect', 'lead'], `"${d.lead}" is not a duration: a number of rows, or a number with a unit (ms, s, min, h, d), e.g. 15min`);
    if (typeof d.lead === 'string' && !config.data.time) throw at(['detect', 'lead'], `a lead given as a duration needs data.time (or give it in rows: lead: 12)`);
  } else if (d.mode !== 'unsupervised' && Object.keys(d.params).length) throw at(['detect', 'params'], `detect.params is for detect.mode unsupervised and supervised; predictive takes model.params`);
  if (typeof d.suppress === 'string' && !parseDuration(d.suppress)) throw at(['detect', 'suppress'], `"${d.suppress}" is not a duration: a number of rows, or a number with a unit (ms, s, min, h, d), e.g. 1d`);
  if (typeof d.suppress === 'string' && !config.data.time) throw at(['detect', 'suppress'], `a suppress given as a duration needs data.time (or give it in rows: suppress: 300)`);
  for (const k of ['backoff', 'breakthrough'] as const) {
    if (valueAt(raw, ['detect', k]) !== undefined && d[k] && !d.suppress) throw at(['detect', k], `detect.${k} acts on the hold-off after an alarm: it needs detect.suppress (rows, or a duration such as 1d)`);
  }
  const t = d.threshold;
  if (t?.method === 'dynamic' && t.z_min > t.z_max) throw at(['detect', 'threshold', 'z_min'], `z_min (${t.z_min}) is above z_max (${t.z_max})`);
  const special = [['data', 'time', config.data.time], ['detect', 'label', d.label]] as const;
  (d.channels ?? []).forEach((c, k) => {
    const clash = special.find((s) => s[2] === c);
    if (clash) throw at(['detect', 'channels', k], `"${c}" is ${clash[0]}.${clash[1]}; it cannot also be a channel`);
    if (d.channels!.indexOf(c) !== k) throw at(['detect', 'channels', k], `"${c}" is listed twice`);
  });
  // evaluate's keys are for the other tasks: a detection bundle's metrics are fixed (mlkit evaluate --label/--windows)
  if (valueAt(raw, ['evaluate', 'metrics']) !== undefined) throw at(['evaluate', 'metrics'], 'task detect has its own metrics (point-wise, event-wise, delays, NAB: all of them, from mlkit evaluate --label or --windows); evaluate.metrics is for classification and regression');
  if (valueAt(raw, ['evaluate', 'backtest']) !== undefined) throw at(['evaluate', 'backtest'], 'evaluate.backtest is for task forecast');
}

function parseSetPath(text: string): PathSeg[] {
  return text.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export interface LoadOptions {
  /** 'train' (default) requires task, data.target and model; 'preprocess' needs only data and a pipeline */
  purpose?: 'train' | 'preprocess';
  sets?: string[];
  registry: Registry;
  cwd?: string;
  /** the file's text, when the caller has read it already (readConfigFile) */
  text?: string;
}

export function loadConfig(file: string, opts: LoadOptions & { purpose: 'preprocess' }): LoadedConfig<AnyConfig>;
export function loadConfig(file: string, opts: LoadOptions): LoadedConfig;
export function loadConfig(file: string, opts: LoadOptions): LoadedConfig<any> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  const text = opts.text ?? readConfigFile(file, cwd);
  const lc = new LineCounter();
  // logLevel 'error': the yaml library's warnings would be extra stderr lines beside mlkit's one-line errors
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const lp = err.linePos?.[0];
    const msg = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`YAML syntax error: ${msg}`, { file, line: lp?.line, col: lp?.col });
  }
  if (doc.contents === null) throw new ConfigError('the config is empty', { file });
  if (!isMap(doc.contents)) throw new ConfigError('expected a mapping of keys (task, data, model, ...) at the top level', { file, line: 1, col: 1 });

  const sets: { path: PathSeg[]; text: string; created?: PathSeg[] }[] = [];
  for (const s of opts.sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${s}: expected key.path=value`);
    const key = s.slice(0, eq).trim();
    const p = parseSetPath(key);
    let value: unknown;
    const raw = s.slice(eq + 1);
    // '-' (stdin) is a value, not YAML's empty sequence item
    try { value = raw.trim() === '-' ? '-' : parseYamlValue(raw, { logLevel: 'error' }); } catch (e: any) {
      throw new UsageError(`--set ${s}: cannot parse the value: ${String(e.message).split('\n')[0]}`);
    }
    // create intermediate mappings as needed (the first one created is remembered: a key missing in it is
    // this --set's doing, e.g. --set detect.threshold.q=0.99 without detect.threshold in the file)
    let created: PathSeg[] | undefined;
    for (let i = 1; i < p.length; i++) {
      const parent = doc.getIn(p.slice(0, i), true);
      if (parent === undefined) {
        doc.setIn(p.slice(0, i), doc.createNode({}));
        created ??= p.slice(0, i);
      }
      else if (!isMap(parent) && !isSeq(parent)) throw new UsageError(`--set ${s}: ${formatPath(p.slice(0, i))} is not a mapping`);
      else if (isSeq(parent) && !/^\d+$/.test(String(p[i]))) throw new UsageError(`--set ${s}: ${formatPath(p.slice(0, i))} is a list; index it with a number (${formatPath(p.slice(0, i))}.0)`);
    }
    try {
      doc.setIn(p, value);
    } catch (e: any) {
      throw new UsageError(`--set ${s}: ${String(e?.message ?? e).split('\n')[0]}`);
    }
    sets.push({ path: p, text: s, created });
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e: any) {
    // an alias to no anchor, or aliases that multiply past the limit ("billion laughs")
    const msg = String(e?.message ?? e).split('\n')[0]!;
    const why = /Excessive alias count/i.test(msg)
      ? 'YAML aliases (*name) expand to too many nodes (more than 100 copies); write the values out'
      : /Unresolved alias/i.test(msg) ? `YAML: ${msg.replace(/Unresolved alias/i, 'an alias that names no anchor')}` : `YAML: ${msg}`;
    throw new ConfigError(why, { file });
  }
  const finder = new PlaceFinder(doc, lc, file, sets);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw issueToError(parsed.error.issues, raw, configSchema, finder);
  const config = parsed.data;

  // cross-field rules: what the command needs, then the estimator validates its own params
  const purpose = opts.purpose ?? 'train';
  const forecasting = config.task === 'forecast';
  const detecting = config.task === 'detect';
  if (purpose === 'train') {
    const needed = detecting ? [['task'], ['detect']] : [['task'], ['data', 'target'], ['model']];
    if (forecasting) needed.push(['data', 'time'], ['forecast']);
    if (detecting && config.detect && config.detect.mode !== 'unsupervised') needed.push(['model']);
    if (detecting && config.detect?.mode === 'supervised') needed.push(['detect', 'label']);
    for (const p of needed) {
      if (valueAt(raw, p) === undefined) {
        const why = p[0] === 'forecast' ? ' (at least forecast.horizon)' : p[0] === 'detect' && p.length === 1 ? ' (at least detect.mode)' : detecting && p[0] === 'model' ? ` for detect.mode ${config.detect?.mode}` : '';
        throw new ConfigError(`required key is missing (mlkit train needs ${formatPath(p)}${forecasting && p.length === 2 && p[1] === 'time' ? ' for task forecast' : ''}${why})`, { ...finder.find(p), path: formatPath(p) });
      }
    }
  }
  if (config.data.validation !== undefined && valueAt(raw, ['data', 'split', 'validation']) !== undefined) {
    throw new ConfigError('data.split.validation carves validation rows from data.train; with data.validation (a file of them) leave it out', { ...finder.find(['data', 'split', 'validation']), path: 'data.split.validation' });
  }
  if (forecasting) forecastRules(config, finder);
  if (detecting) detectRules(config, raw, finder, opts.registry);
  if (config.detect && !detecting) throw new ConfigError(`detect: is for task: detect (this config's task is ${config.task ?? 'not set'})`, { ...finder.find(['detect']), path: 'detect' });
  let modelParams: Record<string, unknown> = {};
  let modelOptions: Record<string, unknown> = {};
  if (config.model) {
    let spec;
    try {
      spec = opts.registry.get(forecasting || (detecting && config.detect?.mode === 'predictive') ? 'forecaster' : 'estimator', config.model.type, 'model.type');
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.message, { ...finder.find(['model', 'type']), path: 'model.type' });
      throw e;
    }
    const pr = spec.params.safeParse(config.model.params);
    if (!pr.success) throw issueToError(pr.error.issues, config.model.params, spec.params, finder, ['model', 'params']);
    modelParams = pr.data as Record<string, unknown>;
    // the other keys of model: are the component's own options (its spec declares them)
    const { type: _t, params: _p, ...rest } = config.model as Record<string, unknown>;
    if ('train' in rest) throw new ConfigError('train: goes at the top level of the config (beside model:), not inside model:', { ...finder.find(['model', 'train']), path: 'model.train' });
    if (spec.options) {
      const or = spec.options.safeParse(rest);
      if (!or.success) {
        const e = issueToError(or.error.issues, rest, spec.options, finder, ['model']);
        // the keys model: allows are type and params besides the component's options
        throw or.error.issues[0]?.code === 'unrecognized_keys' ? new ConfigError(e.message.replace(/\(allowed: ([^)]*)\)/, '(allowed: type, params, $1)'), e.place) : e;
      }
      modelOptions = or.data as Record<string, unknown>;
    } else {
      const extra = Object.keys(rest)[0];
      if (extra !== undefined) throw new ConfigError(`unknown key ${JSON.stringify(extra)}: model type "${config.model.type}" takes no options (allowed: type, params)`, { ...finder.find(['model'], extra), path: `model.${extra}` });
    }
  }
  if (config.train !== undefined) {
    const spec = (() => {
      try {
        if (detecting && config.detect?.mode === 'unsupervised') return opts.registry.get('detector', config.detect.detector);
        return config.model ? opts.registry.get(forecasting || (detecting && config.detect?.mode === 'predictive') ? 'forecaster' : 'estimator', config.model.type) : undefined;
      } catch { return undefined; }
    })();
    if (!spec?.train) {
      const neural = opts.registry.all().filter((s) => s.train);
      const models = neural.filter((s) => s.kind !== 'detector').map((s) => s.name).join(', ');
      const detectors = neural.filter((s) => s.kind === 'detector').map((s) => s.name).join(', ');
      throw new ConfigError(`train: is the training loop of neural models (model.type ${models}; detect.detector ${detectors}); ${config.model ? `model.type ${config.model.type} takes its settings in model.params` : detecting && config.detect?.mode === 'unsupervised' ? `detect.detector ${config.detect.detector} takes its settings in detect.params` : 'this config has no model'}`, { ...finder.find(['train']), path: 'train' });
    }
    const tr = spec.train.safeParse(config.train);
    if (!tr.success) throw issueToError(tr.error.issues, config.train, spec.train, finder, ['train']);
    if ((tr.data as { augment?: unknown }).augment !== undefined && spec.kind !== 'forecaster') throw new ConfigError(`train.augment is for series models (model.type rnn, cnn, transformer, fno, also in detect.mode predictive); ${spec.name} trains on ${spec.kind === 'detector' ? 'windows it reconstructs' : 'table rows'}`, { ...finder.find(['train', 'augment']), path: 'train.augment' });
    if ((tr.data as { class_weight?: unknown }).class_weight !== undefined && config.task !== 'classification') throw new ConfigError(`train.class_weight is for task classification (this config's task is ${config.task ?? 'not set'})`, { ...finder.find(['train', 'class_weight']), path: 'train.class_weight' });
    if (spec.name === 'autoencoder') {
      // it trains on every window before its held-out rows (which set its error scale): no validation rows
      for (const k of ['early_stopping', 'reduce_lr_on_plateau'] as const) {
        const m = (tr.data as Record<string, { monitor?: string } | undefined>)[k]?.monitor;
        if (m === 'val_loss') throw new ConfigError(`train.${k}: the autoencoder detector keeps no validation rows (its held-out nominal rows set the error scale and the threshold): set monitor: loss`, { ...finder.find(['train', k]), path: `train.${k}.monitor` });
      }
    }
    const metrics = (tr.data as { metrics?: string[] }).metrics;
    if (metrics) {
      if (spec.name !== 'mlp' && spec.kind !== 'forecaster') throw new ConfigError(`train.metrics is for the mlp and the forecasters (rnn, cnn, transformer, fno); the ${spec.name} detector logs its loss`, { ...finder.find(['train', 'metrics']), path: 'train.metrics' });
      const cls = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'logloss'];
      const k = metrics.findIndex((m) => cls.includes(m) !== (config.task === 'classification'));
      const what = spec.kind === 'forecaster' ? `model.type ${spec.name} forecasts values (rmse, mae, r2, mape)` : `this config's task is ${config.task}`;
      if (k >= 0) throw new ConfigError(`${metrics[k]} is a ${cls.includes(metrics[k]!) ? 'classification' : 'regression'} metric; ${what}`, { ...finder.find(['train', 'metrics', k]), path: `train.metrics.${k}` });
    }
    const loss = (tr.data as { loss?: string }).loss;
    if (loss !== undefined && (config.task === 'classification') !== (loss === 'crossentropy')) {
      throw new ConfigError(`loss ${loss} does not fit task ${config.task}: ${config.task === 'classification' ? 'classification trains with crossentropy' : 'use mse, mae or huber'}`, { ...finder.find(['train', 'loss']), path: 'train.loss' });
    }
    modelOptions = { ...modelOptions, train: tr.data };
  }
  if (Array.isArray(config.pipeline)) validatePipeline(config.pipeline, ['pipeline'], finder, opts.registry);
  if (config.data.target !== undefined && config.data.drop.includes(config.data.target)) {
    throw new ConfigError(`the target "${config.data.target}" is also listed in data.drop`, { ...finder.find(['data', 'drop']), path: 'data.drop' });
  }

  const baseDir = path.dirname(abs);
  const resolveData = (p: string) => (p === '-' ? '-' : path.resolve(baseDir, p));
  const logFile = (modelOptions.train as { csv_logger?: string } | undefined)?.csv_logger;
  if (logFile !== undefined) {
    const out = path.resolve(cwd, config.output.dir);
    const rel = path.relative(out, path.resolve(cwd, logFile));
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new ConfigError(`train.csv_logger: ${logFile} is inside output.dir (${config.output.dir}), which the bundle replaces when training ends: the log would be lost; write it beside the bundle`, { ...finder.find(['train', 'csv_logger']), path: 'train.csv_logger' });
  }
  return {
    config,
    file,
    baseDir,
    trainPath: resolveData(config.data.train),
    testPath: config.data.test ? resolveData(config.data.test) : undefined,
    validationPath: config.data.validation ? resolveData(config.data.validation) : undefined,
    outputDir: path.resolve(cwd, config.output.dir),
    modelParams,
    modelOptions,
    placeOf: (p) => finder.find(p),
  };
}
