/** Learning-rate schedule: linear warmup to the peak, then cosine decay to a floor. */

export interface ScheduleOptions {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  /** The cosine ends at peak × minFrac. */
  minFrac: number;
}

/**
 * Learning rate for optimizer step `step` (0-based): (step + 1) / warmup × peak during warmup,
 * then peak × (minFrac + (1 − minFrac) × ½(1 + cos(π·progress))) with progress running from 0 at
 * the end of warmup to 1 at the last step.
 */
export function warmupCosine(step: number, o: ScheduleOptions): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.peak * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.totalSteps - o.warmupSteps - 1);
  const progress = Math.min(1, Math.max(0, (step - o.warmupSteps) / span));
  return o.peak * (o.minFrac + (1 - o.minFrac) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
