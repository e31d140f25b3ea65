/**
 * From "score above threshold" to the `anomaly` verdict of each row, causally:
 * - `min_duration` (rows): a row is anomalous once the scores have been above the threshold for at least
 *   this many consecutive rows, itself included (1 = every row above the threshold);
 * - `suppress` (rows): after an anomalous row, the next `suppress` rows are written as normal (a hold-off,
 *   so one fault gives one alarm rather than a burst); rows during the hold-off still count towards
 *   min_duration.
 * Warm-up rows (no score) are normal and break a run.
 */
export class AlarmState {
  private run = 0;
  private holdoff = 0;

  constructor(private readonly minDuration: number, private readonly suppress: number) {}

  /** the verdict of the next row: above = score > threshold (false for warm-up rows) */
  next(above: boolean): 0 | 1 {
    this.run = above ? this.run + 1 : 0;
    if (this.holdoff > 0) {
      this.holdoff--;
      return 0;
    }
    if (this.run >= this.minDuration) {
      this.holdoff = this.suppress;
      return 1;
    }
    return 0;
  }
}
