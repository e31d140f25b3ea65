/**
 * A tfjs model in a bundle: `model.json` (tfjs's layers-model format: topology and weights manifest,
 * loadable by tf.loadLayersModel with weights.bin beside it) and `weights.bin`, through the component's
 * BlobWriter; read back with the BlobReader. mlkit's custom layers are registered first (layers.ts).
 */
import type { BlobReader, BlobWriter } from '../../core/component.js';
import type { Tf } from './backend.js';
import { mlkitLayers } from './layers.js';

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
  const json = JSON.parse(new TextDecoder().decode(r.read(`${prefix}model.json`))) as { modelTopology: object; weightsManifest: { weights: ModelArtifacts['weightSpecs'] }[] };
  const bin = r.read(`${prefix}weights.bin`);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return t.tfl.loadLayersModel(t.tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]?.weights ?? [], weightData }));
}
