// From one sample to the objects and bytes it stands for.

/**
 * Objects a sample of `size` bytes stands for at sampling interval `interval`:
 * V8's own unsampling formula (AllocationProfile::Sample::count), so that our
 * numbers agree with V8's. Apply it once, never again on top of V8's count.
 */
export function estimatedObjects(size: number, interval: number): number {
  if (interval <= 0 || size <= 0) return 1;
  return Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5);
}
