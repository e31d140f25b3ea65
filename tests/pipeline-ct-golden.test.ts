/**
 * mlkit's ColumnTransformer, built from a YAML config as a user writes it, against scikit-learn's
 * ColumnTransformer on UCI Adult and California housing (golden files from tests/golden/sklearn/
 * gen_sklearn.py: fit on *_fit.csv, transform *_heldout.csv, which has levels unseen at fit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/types.js';
import { readTable } from '../src/data/read.js';
import { Pipeline, restoreNode, toNode, type StepConfig } from '../src/pipeline/pipeline.js';
import { GOLDEN, compare } from './golden-compare.js';
import { builtinRegistry, tmpDir, write } from './helpers.js';

const defaultRegistry = builtinRegistry();

const CONFIGS: Record<string, string> = {
  ct_adult: `
pipeline:
  - column_transformer:
      transformers:
        - [num, [ { simple_imputer: { strategy: median } }, standard_scaler ], [age, fnlwgt, education_num, capital_gain, capital_loss, hours_per_week]]
        - [cat, one_hot, [workclass, education, marital_status, occupation, relationship, race, sex, native_country], { handle_unknown: ignore, min_frequency: 20 }]
      remainder: drop
`,
  ct_housing: `
pipeline:
  - column_transformer:
      transformers:
        - [robust, robust_scaler, [median_income, total_rooms, population]]
        - [imp, [ { simple_imputer: { strategy: mean, add_indicator: true } }, min_max_scaler ], [total_bedrooms, households]]
        - [ocean, one_hot, [ocean_proximity], { handle_unknown: infrequent_if_exist, max_categories: 3 }]
      remainder: passthrough
`,
};

for (const [name, yaml] of Object.entries(CONFIGS)) {
  test(`column transformer from config matches scikit-learn: ${name}`, async () => {
    const c = JSON.parse(readFileSync(path.join(GOLDEN, `${name}.json`), 'utf8'));
    const dir = tmpDir();
    const file = write(dir, 'p.yaml', `data: { train: x.csv }\n${yaml}\noutput: { dir: out }\n`);
    const steps = loadConfig(file, { registry: defaultRegistry, purpose: 'preprocess' }).config.pipeline as StepConfig[];
    const p = await Pipeline.create(steps, defaultRegistry);
    const ctx = { log: silentLogger, seed: 0 };
    await p.fitTransform(readTable(path.join(GOLDEN, c.fit)).frame, ctx);
    const held = readTable(path.join(GOLDEN, c.transform)).frame;
    const out = p.transform(held);
    assert.deepEqual(out.columns, c.output_columns);
    compare(out, c.expected, name);
    // and after a bundle round trip
    const back = await restoreNode(JSON.parse(JSON.stringify(await toNode(p))), builtinRegistry());
    compare(back.transform(held), c.expected, `${name} (restored)`);
  });
}
