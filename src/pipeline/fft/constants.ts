/** Shared by the fft spec (config validation) and fft-core.ts (the computation); imports nothing. */
export const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export const FFT_WINDOW_FNS = ['hann', 'none'] as const;
export type FftWindowFn = (typeof FFT_WINDOW_FNS)[number];
