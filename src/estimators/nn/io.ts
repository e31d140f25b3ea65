/**
 * A tfjs model in a bundle: `model.json` (tfjs's layers-model format: topology and weights manifest,
 * loadable by tf.loadLayersModel with weights.bin beside it) and `weights.bin`, through the component's
 * BlobWriter; read back with the BlobReader. mlkit's custom layers are registered first (layers.ts).
 */
import type { BlobReader, BlobWriter } from '../../core/component.js';
import type { Tf } from './backend.js';
import { mlkitLayers } from './layers.js';
import { recurrentLayer } from './recurrent.js';

type LayersModel = import('@tensorflow/tfjs-layers').LayersModel;
type ModelArtifacts = import('@tensorflow/tfjs-core').io.ModelArtifacts;

export async function writeModel(t: Tf, model: LayersModel, w: BlobWriter, prefix = ''): Promise<void> {
  let artifacts: ModelArtifacts | undefined;
  await model.save(t.tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts!;
  const data = a.weightData === undefined ? new ArrayBuffer(0) : Array.isArray(a.weightData) ? t.tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${t.tfl.version_layers}`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  await w.write(`${prefix}model.json`, new TextEncoder().encode(JSON.stringify(json)));
  await w.write(`${prefix}weights.bin`, new Uint8Array(data));
}

export async function readModel(t: Tf, r: BlobReader, prefix = ''): Promise<LayersModel> {
  mlkitLayers(t);
  recurrentLayer(t);
  const json = JSON.parse(new TextDecoder().decode(r.read(`${prefix}model.json`))) as { modelTopology: object; weightsManifest: { weights: ModelArtifacts['weightSpecs'] }[] };
  const bin = r.read(`${prefix}weights.bin`);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return t.tfl.loadLayersModel(t.tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]?.weights ?? [], weightData }));
}

/**
 * train.init_from and train.freeze: the layers of `model` that a bundle's network has under the same name
 * and with the same weight shapes start from its weights (none matching: a bundle error listing both
 * sides' layers); then the layers named in `freeze` (or starting with an entry) are made non-trainable
 * (an entry naming no layer: a config error). Returns a line for the log.
 */
export async function initFromBundle(t: Tf, model: LayersModel, from: string | undefined, freeze: string[] | undefined): Promise<string[]> {
  const notes: string[] = [];
  if (from !== undefined) {
    const { loadBundle } = await import('../../bundle/bundle.js');
    const { BundleError } = await import('../../core/errors.js');
    const bundle = loadBundle(from);
    // the network of a neural estimator or forecaster (estimator/), or of an autoencoder detector (detector/)
    const node = (['estimator', 'detector'] as const).find((k) => {
      const files = (bundle.manifest as unknown as Record<string, { files?: string[] } | undefined>)[k]?.files ?? [];
      return files.includes(`${k}/model.json`) && files.includes(`${k}/weights.bin`);
    });
    if (!node) {
      const what = bundle.manifest.estimator ?? (bundle.manifest as unknown as { detector?: { name: string } }).detector;
      throw new BundleError(`train.init_from: this bundle holds ${what ? `a ${what.name} model` : 'no model'}, not a neural network`, { file: from });
    }
    let src: LayersModel;
    try {
      src = await readModel(t, bundle.reader(node));
    } catch (e) {
      throw new BundleError(`train.init_from: the bundle's network does not load: ${(e as Error).message}`, { file: from });
    }
    try {
      const byName = new Map(src.layers.map((l) => [l.name, l]));
      const loaded: string[] = [];
      for (const layer of model.layers) {
        const other = byName.get(layer.name);
        const mine = layer.getWeights();
        if (!other || !mine.length) continue;
        const theirs = other.getWeights();
        if (theirs.length !== mine.length || theirs.some((w, i) => w.shape.join('x') !== mine[i]!.shape.join('x'))) continue;
        layer.setWeights(theirs);
        loaded.push(layer.name);
      }
      if (!loaded.length) {
        const names = (m: LayersModel) => m.layers.filter((l) => l.getWeights().length).map((l) => l.name).join(', ');
        throw new BundleError(`train.init_from: no layer matches this model's by name and weight shapes (the bundle's: ${names(src)}; this model's: ${names(model)})`, { file: from });
      }
      notes.push(`train.init_from: ${loaded.length} layer${loaded.length === 1 ? '' : 's'} start from ${from} (${loaded.join(', ')})`);
    } finally {
      src.dispose();
    }
  }
  if (freeze) {
    const { ConfigError } = await import('../../core/errors.js');
    const frozen: string[] = [];
    freeze.forEach((f, k) => {
      const hit = model.layers.filter((l) => l.name === f || l.name.startsWith(f));
      if (!hit.length) throw new ConfigError(`"${f}" names no layer of this model (layers: ${model.layers.filter((l) => l.getWeights().length).map((l) => l.name).join(', ')})`, { path: `train.freeze.${k}` });
      for (const l of hit) { l.trainable = false; frozen.push(l.name); }
    });
    if (!model.trainableWeights.length) throw new ConfigError(`every layer with weights is frozen (${[...new Set(frozen)].join(', ')}): nothing would train; leave at least one out`, { path: 'train.freeze' });
    notes.push(`train.freeze: ${[...new Set(frozen)].join(', ')} kept as they are`);
  }
  return notes;
}

/** train.init_from and train.freeze on a freshly built model, its notes logged; the model is disposed when they fail. */
export async function startFrom(t: Tf, model: LayersModel, s: { init_from?: string; freeze?: string[] }, log: { info(m: string): void }): Promise<void> {
  try {
    for (const note of await initFromBundle(t, model, s.init_from, s.freeze)) log.info(note);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
