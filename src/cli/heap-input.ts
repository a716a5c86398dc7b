// A saved heap snapshot given on the command line, as a graph: progress on a
// terminal while it is read; a file that is not one is a usage error. The
// commands that take one (retainers, suspects) also take a trace, for the
// answers the app wrote into it.
import { HeapGraph } from '../heap/graph';
import { HeapSnapshotError, readHeapSnapshot } from '../heap/parse';
import { startsLikeTrace } from '../format/reader';
import { Replay } from '../replay/replay';
import { say, UsageError } from './errors';
import { progressLine } from './progress';

export function heapGraphOf(file: string): HeapGraph {
  const progress = progressLine();
  try {
    return new HeapGraph(readHeapSnapshot(file, (done, total) => progress.onProgress(done, total, file)));
  } catch (err) {
    if (err instanceof HeapSnapshotError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  } finally {
    progress.done();
  }
}

/** The trace `file` is (its warnings said), or null when it is not one: then it is a heap snapshot's to read. */
export function traceOf(file: string): Replay | null {
  if (!startsLikeTrace(file)) return null;
  const [replay] = Replay.openEach([file]);
  for (const w of replay.warnings) say(w);
  return replay;
}
