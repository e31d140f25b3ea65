/**
 * Light spec of the `arima` forecaster (ctsa in WASM through the `arima` package, loaded only when a
 * run uses it): params and tags.
 */
import { z } from 'zod';
import type { ComponentSpec } from '../../core/component.js';

/** most values (points x (1 + exogenous columns)) the package can fit: it copies them onto a 64 KiB stack */
export const MAX_STACK_VALUES = 7936;

export const METHODS = ['css-mle', 'mle', 'css'] as const;
export const OPTIMIZERS = ['nelder-mead', 'newton-line-search', 'newton-trust-hook', 'newton-trust-dogleg', 'conjugate-gradient', 'bfgs', 'lbfgs', 'bfgs-more-thuente'] as const;
const order = (fixed: number, auto: number) => z.number().int().min(0).max(24).optional().describe(`default: ${fixed} (auto: true: at most ${auto})`);

export const arimaParamsSchema = z.strictObject({
  /** orders (with auto: true, the largest orders searched; defaults 5, 2, 5, 2, 1, 2); fixed default (1,0,1) */
  p: order(1, 5), d: order(0, 2), q: order(1, 5), P: order(0, 2), D: order(0, 1), Q: order(0, 2),
  /** season length (default: from the frequency when seasonal orders are set, or with auto) */
  s: z.number().int().min(0).optional().describe("default: the frequency's season when seasonal orders are set or auto: true"),
  auto: z.boolean().default(false),
  method: z.enum(METHODS).default('css-mle'),
  optimizer: z.enum(OPTIMIZERS).default('lbfgs'),
  /** AutoARIMA: rank candidate models by a CSS approximation (faster, can pick worse models) */
  approximation: z.boolean().default(false),
  /** AutoARIMA: stepwise search (false = exhaustive, much slower) */
  stepwise: z.boolean().default(true),
  /** most values (points x (1 + exogenous columns)) fitted per series: the package copies them onto a 64 KiB stack */
  max_length: z.number().int().min(20).max(MAX_STACK_VALUES).default(MAX_STACK_VALUES),
  /** on a diverged fit, try exact MLE, other optimisers, then simpler orders (false: fail instead) */
  fallback: z.boolean().default(true),
});
export type ArimaParams = z.infer<typeof arimaParamsSchema>;

export const arimaSpec: ComponentSpec<ArimaParams> = {
  name: 'arima',
  kind: 'forecaster',
  description: 'ARIMA / SARIMA / SARIMAX with fixed orders, or AutoARIMA (auto: true); analytic intervals',
  params: arimaParamsSchema,
  tags: { allowsNaN: false, exog: true, probabilistic: true, local: true },
  doctor: async () => ({
    title: 'arima',
    lines: ['ctsa compiled to WASM (the arima package); one model per series, series on worker threads (MLKIT_THREADS)'],
    data: { engine: 'wasm (arima package, ctsa)', maxValuesPerFit: MAX_STACK_VALUES },
    advice: { family: 'ARIMA family', hardware: 'CPU, one core per series (series fit in parallel)' },
  }),
  load: () => import('./index.js'),
};

export const specs = [arimaSpec];
