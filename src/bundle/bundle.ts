/**
 * Model bundle: a folder with manifest.json (format, version, resolved config, input schema, the
 * pipeline and estimator NodeSpecs, metrics, sha256 of every file). Written to a temporary sibling
 * folder and renamed into place, so a crash never leaves half a bundle. Loading checks format,
 * version and checksums before anything else. Nothing in a bundle is ever executed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BundleError, MlkitError, UsageError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { Logger } from '../core/log.js';
import { checkCreatable, fsReason } from '../core/paths.js';
import type { BlobReader, ColumnInfo, Component, ComponentNode } from '../core/types.js';
import { MLKIT_VERSION } from '../version.js';

export const BUNDLE_FORMAT = 'mlkit-bundle';
/**
 * 2: one node shape for every component ({ name, kind, params, state, files, children }), files under
 * each component's folder. Bundles of format 1 (mlkit 0.1 before the component contract) are refused
 * with a message to retrain.
 */
export const BUNDLE_FORMAT_VERSION = 2;

export type NodeSpec = ComponentNode;

/**
 * Saves a fitted component as a bundle node: its files go under `folder/` (collected in `files`, which
 * saveBundle then writes), its JSON state comes back from save().
 */
export async function saveComponent(c: Component, folder: string, files: Record<string, Uint8Array>, options?: Record<string, unknown>): Promise<NodeSpec> {
  const mine: string[] = [];
  const state = await c.save({
    write(rel: string, data: Uint8Array) {
      const full = `${folder}/${rel}`;
      files[full] = data;
      mine.push(full);
    },
  });
  return { name: c.name, kind: c.kind, params: { ...(c.params as Record<string, unknown>) }, ...(options && Object.keys(options).length ? { options } : {}), state, ...(mine.length ? { files: mine } : {}) };
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  mlkitVersion: string;
  createdAt: string;
  task: string;
  config: unknown;
  input: { columns: ColumnInfo[]; target?: string; time?: string; id?: string };
  pipeline: NodeSpec;
  /** absent in preprocess bundles */
  estimator?: NodeSpec;
  /** tabular tasks: how target values map to labels (classification: the classes in order) */
  targetState?: unknown;
  /** forecasting: the backtest errors conformal intervals come from (forecasters without intervals of their own) */
  conformal?: unknown;
  detector?: NodeSpec;
  /** task detect: channels, threshold and alarm rules (tasks/detect.ts) */
  detection?: unknown;
  metrics: Record<string, number>;
  files: Record<string, string>;
  /** sha256 of the manifest itself without this field (see sealManifest): a hand-edited manifest is caught */
  manifestSha256?: string;
}

export type ManifestBody = Omit<Manifest, 'format' | 'formatVersion' | 'mlkitVersion' | 'createdAt' | 'files' | 'manifestSha256'>;

/** The manifest with its own checksum (over its JSON without the checksum field) as the last field. */
export function sealManifest<M extends Manifest>(m: M): M {
  const { manifestSha256: _old, ...rest } = m;
  return { ...rest, manifestSha256: createHash('sha256').update(JSON.stringify(rest)).digest('hex') } as M;
}

const TASKS: Record<string, 'estimator' | 'forecaster' | undefined> = { classification: 'estimator', regression: 'estimator', forecast: 'forecaster', preprocess: undefined, detect: undefined };
const DTYPES = new Set(['float64', 'int64', 'bool', 'string']);

/** What makes a (checksummed) manifest contradict itself, or undefined. */
function contradiction(m: Manifest): string | undefined {
  if (!(m.task in TASKS)) return `task ${JSON.stringify(m.task)} is not one mlkit writes`;
  const kind = TASKS[m.task];
  if (kind && (!m.estimator || m.estimator.kind !== kind)) return `a ${m.task} bundle needs a ${kind} node, not ${m.estimator ? JSON.stringify(m.estimator.kind) : 'none'}`;
  if (!kind && m.estimator) return `a ${m.task} bundle has an estimator node`;
  if (m.task === 'detect' && (!m.detector || m.detector.kind !== 'detector')) return `a detect bundle needs a detector node, not ${m.detector ? JSON.stringify(m.detector.kind) : 'none'}`;
  if (m.task !== 'detect' && m.detector) return `a ${m.task} bundle has a detector node`;
  const cols = m.input?.columns;
  if (!Array.isArray(cols) || !cols.length || cols.some((c) => typeof c?.name !== 'string' || !DTYPES.has(c?.dtype))) return 'input.columns is not a list of { name, dtype }';
  if (new Set(cols.map((c) => c.name)).size !== cols.length) return 'input.columns names a column twice';
  for (const node of [m.pipeline, m.estimator, m.detector]) {
    for (const f of node?.files ?? []) if (!(f in m.files)) return `the ${node!.name} node lists ${f}, which has no checksum`;
  }
  return undefined;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/**
 * Checks that a bundle can be written at `dir` without destroying anything: the parent can be created
 * or written, and `dir` is absent, an empty folder or an mlkit bundle of the same task (a bundle of
 * another task only with `force`; never a file or a folder that is not a bundle, even with `force`).
 * saveBundle checks it again; tasks call it first to fail before any work.
 */
export function checkBundleTarget(dir: string, task: string, force = false): void {
  const abs = path.resolve(dir);
  checkCreatable(abs, 'the model bundle to');
  if (existsSync(abs)) {
    // replace only a bundle (or an empty folder), never a file or another folder
    if (!statSync(abs).isDirectory()) throw new BundleError('output path exists and is a file, not a model bundle folder; refusing to overwrite it', { file: dir });
    const mpath = path.join(abs, 'manifest.json');
    if (existsSync(mpath)) {
      let old: { format?: unknown; task?: unknown } | undefined;
      try {
        old = JSON.parse(readFileSync(mpath, 'utf8'));
      } catch {
        old = undefined;
      }
      if (old?.format !== BUNDLE_FORMAT) throw new BundleError('output folder has a manifest.json that is not an mlkit bundle\'s; refusing to overwrite it', { file: dir });
      if (old.task !== task && !force) {
        throw new BundleError(`output folder holds a ${JSON.stringify(old.task)} bundle; refusing to replace it with a ${JSON.stringify(task)} one (choose another output.dir, or --force to replace it)`, { file: dir });
      }
    } else if (readdirSync(abs).length) {
      throw new BundleError('output folder exists and is not a model bundle; refusing to overwrite it', { file: dir });
    }
  }
}

/** Writes the bundle atomically; `files` maps relative paths to contents. */
export function saveBundle(dir: string, body: ManifestBody, files: Record<string, Uint8Array | string>, opts: { force?: boolean } = {}): Manifest {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  checkBundleTarget(dir, body.task, opts.force);
  const tmp = path.join(parent, `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(tmp);
  } catch (e) {
    throw new UsageError(`cannot write the model bundle to ${dir}: ${fsReason(e)}`);
  }
  try {
    const sums: Record<string, string> = {};
    for (const [rel, content] of Object.entries(files)) {
      if (rel === 'manifest.json' || path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new Error(`bad bundle file name ${rel}`);
      const target = path.join(tmp, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
      sums[rel] = sha256(content);
    }
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      mlkitVersion: MLKIT_VERSION,
      createdAt: new Date().toISOString(),
      ...body,
      files: sums,
    };
    writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(sealManifest(manifest), null, 2) + '\n');
    if (existsSync(abs)) {
      const old = `${tmp}.old`;
      renameSync(abs, old);
      renameSync(tmp, abs);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, abs);
    }
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (typeof (e as NodeJS.ErrnoException)?.code === 'string') throw new UsageError(`cannot write the model bundle to ${dir}: ${fsReason(e)}`);
    throw e;
  }
}


export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  read(rel: string): Buffer;
  /** the files of the component saved under `folder/` (see saveComponent) */
  reader(folder: string): BlobReader;
}

export function loadBundle(dir: string): LoadedBundle {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new BundleError('model bundle folder not found', { file: dir });
  if (!statSync(abs).isDirectory()) throw new BundleError('is not a folder; expected a model bundle folder', { file: dir });
  const mpath = path.join(abs, 'manifest.json');
  if (!existsSync(mpath)) throw new BundleError('not a model bundle: manifest.json is missing', { file: dir });
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(mpath, 'utf8'));
  } catch (e: any) {
    throw new BundleError(`manifest.json is corrupted (${String(e?.message ?? e).split('\n')[0]})`, { file: dir });
  }
  if (!manifest || typeof manifest !== 'object' || manifest.format !== BUNDLE_FORMAT) {
    throw new BundleError(`manifest.json is not an mlkit bundle manifest (format is ${JSON.stringify((manifest as any)?.format)})`, { file: dir });
  }
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new BundleError(`bundle format version ${manifest.formatVersion} is newer than this mlkit supports (${BUNDLE_FORMAT_VERSION}); upgrade mlkit (bundle written by mlkit ${manifest.mlkitVersion})`, { file: dir });
  }
  if (manifest.formatVersion < BUNDLE_FORMAT_VERSION) {
    const again = manifest.task === 'preprocess' ? 'mlkit preprocess CONFIG' : 'mlkit train CONFIG';
    throw new BundleError(`bundle format version ${manifest.formatVersion} is older than this mlkit reads (format ${BUNDLE_FORMAT_VERSION}, mlkit ${MLKIT_VERSION}); make it again with this version (${again})`, { file: dir });
  }
  if (typeof manifest.manifestSha256 !== 'string' || sealManifest(manifest).manifestSha256 !== manifest.manifestSha256) {
    throw new BundleError('manifest.json was modified or is damaged (its checksum does not match): the bundle is corrupted; make it again', { file: dir });
  }
  for (const key of ['files', 'input', 'pipeline'] as const) {
    if (!manifest[key] || typeof manifest[key] !== 'object') throw new BundleError(`manifest.json is corrupted: "${key}" is missing`, { file: dir });
  }
  const bad = contradiction(manifest);
  if (bad) throw new BundleError(`bundle corrupted: ${bad}`, { file: dir });
  const contents = new Map<string, Buffer>();
  for (const [rel, sum] of Object.entries(manifest.files)) {
    const p = path.join(abs, rel);
    if (path.relative(abs, p).startsWith('..')) throw new BundleError(`manifest lists a file outside the bundle: ${rel}`, { file: dir });
    let b: Buffer;
    try { b = readFileSync(p); } catch { throw new BundleError(`bundle file ${rel} is missing`, { file: dir }); }
    if (sha256(b) !== sum) throw new BundleError(`checksum mismatch for ${rel}: the bundle was modified or is damaged`, { file: dir });
    contents.set(rel, b);
  }
  const read = (rel: string) => {
    const b = contents.get(rel);
    if (!b) throw new BundleError(`bundle has no file ${rel}`, { file: dir });
    return b;
  };
  return {
    dir: abs,
    manifest,
    read,
    reader: (folder: string) => ({ read: (rel: string) => read(`${folder}/${rel}`) }),
  };
}

/** The task a bundle was trained for, read from its manifest without checking files (undefined if unreadable). */
export function peekTask(dir: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(path.join(path.resolve(dir), 'manifest.json'), 'utf8'));
    return typeof m?.task === 'string' ? m.task : undefined;
  } catch {
    return undefined;
  }
}

/** The fitted component of a bundle node, restored through the registry; any failure is a bundle error. */
export async function restoreComponent<C>(registry: Registry, kind: 'estimator' | 'forecaster' | 'detector', node: Manifest['estimator'], reader: BlobReader, dir: string, log: Logger): Promise<C> {
  if (!node || typeof node !== 'object' || typeof node.name !== 'string' || node.kind !== kind) throw new BundleError(`manifest.json is corrupted: the ${kind} node is missing or malformed`, { file: dir });
  if (!registry.has(kind, node.name)) throw new BundleError(`unknown ${kind} "${node.name}" in bundle (known: ${registry.names(kind).join(', ')})`, { file: dir });
  const spec = registry.get(kind, node.name);
  try {
    const params = spec.params.parse(node.params);
    const options = spec.options ? spec.options.parse(node.options ?? {}) : undefined;
    const impl = await registry.load(kind, node.name);
    return await impl.restore(params, node.state, reader, { options, log }) as C;
  } catch (e) {
    if (e instanceof BundleError) throw new BundleError(e.message, { file: dir });
    // the environment, not the bundle (MLKIT_KERNELS, MLKIT_TF_BACKEND, a forced backend that cannot load)
    if (e instanceof MlkitError && e.kind === 'usage') throw e;
    if (e instanceof MlkitError && e.kind !== 'internal') throw new BundleError(e.message, { file: dir });
    throw new BundleError(`cannot load the model: ${String((e as Error)?.message ?? e).split('\n')[0]}`, { file: dir }, { cause: e });
  }
}
