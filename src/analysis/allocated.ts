// How much a traced process allocated: the estimated bytes of every sample
// its trace recorded (an allocation is recorded when it lives until a poll).
import { LoadedTrace } from './load';

export function allocatedBytes(trace: LoadedTrace): number {
  const { allocSize, allocObjects } = trace;
  let total = 0;
  for (let i = 0; i < trace.allocCount; i++) total += allocSize[i] * allocObjects[i];
  return total;
}
