/**
 * Types for fft.js 4 (https://github.com/indutny/fft.js): the package ships declarations generated
 * from its JavaScript with every argument typed `any`; this ambient module declaration (which takes
 * precedence) types the part mlkit uses. Complex arrays interleave re, im: length 2 * size.
 */
declare module 'fft.js' {
  type RealArray = number[] | Float64Array | Float32Array;
  class FFT {
    /** size: a power of two, > 1 */
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    toComplexArray(input: RealArray, storage?: RealArray): number[];
    fromComplexArray(complex: RealArray, storage?: RealArray): number[];
    completeSpectrum(spectrum: RealArray): void;
    /** complex -> complex transform; out and data are distinct complex arrays */
    transform(out: RealArray, data: RealArray): void;
    /**
     * real -> complex transform of `data` (length size); fills bins 0..size/2 of `out` (length 2 * size),
     * the rest is left undefined (completeSpectrum() fills it)
     */
    realTransform(out: RealArray, data: RealArray): void;
    inverseTransform(out: RealArray, data: RealArray): void;
  }
  export = FFT;
}
