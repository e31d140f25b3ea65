/**
 * From "score above threshold" to the `anomaly` verdict of each row, causally:
 * - `min_duration` (rows): a row is anomalous once the scores have been above the threshold for at least
 *   this many consecutive rows, itself included (1 = every row above the threshold);
 * - `suppress` (rows): after an anomalous row, the next `suppress` rows are written as normal (a hold-off,
 *   so one fault gives one alarm rather than a burst); rows during the hold-off still count towards
 *   min_duration;
 * - `backoff`: an alarm that comes within one hold-off after the previous hold-off ended doubles the next
 *   hold-off (a stretch that keeps alarming is reported less and less often); an alarm after a longer quiet
 *   stretch goes back to `suppress`;
 * - `breakthrough` (> 0): during a hold-off, a row above the threshold whose score is at least this many
 *   times the score of the row that raised the last alarm raises a new one (a much larger anomaly than
 *   the one being held off is news), and starts its own hold-off.
 * Warm-up rows (no score) are normal and break a run.
 */
export interface AlarmOptions {
  backoff?: boolean;
  breakthrough?: number;
}

export class AlarmState {
  private run = 0;
  private holdoff = 0;
  /** the current hold-off length (grows with backoff) */
  private length: number;
  /** rows since the last alarm */
  private since = Infinity;
  private lastScore = NaN;

  constructor(private readonly minDuration: number, private readonly suppress: number, private readonly opts: AlarmOptions = {}) {
    this.length = suppress;
  }

  /** the verdict of the next row: above = score > threshold (false for warm-up rows); score: the row's score (for breakthrough) */
  next(above: boolean, score = NaN): 0 | 1 {
    this.run = above ? this.run + 1 : 0;
    this.since++;
    if (this.holdoff > 0) {
      const k = this.opts.breakthrough ?? 0;
      if (!(k > 0 && above && this.run >= this.minDuration && score >= k * this.lastScore && this.lastScore > 0)) {
        this.holdoff--;
        return 0;
      }
    }
    if (this.run >= this.minDuration) {
      if (this.opts.backoff) this.length = this.since <= 2 * this.length ? 2 * this.length : this.suppress;
      this.holdoff = this.length;
      this.since = 0;
      this.lastScore = score;
      return 1;
    }
    return 0;
  }
}
