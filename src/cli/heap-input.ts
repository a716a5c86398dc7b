// A saved heap snapshot given on the command line, as a graph: progress on a
// terminal while it is read; a file that is not one is a usage error.
import { HeapGraph } from '../heap/graph';
import { HeapSnapshotError, readHeapSnapshot } from '../heap/parse';
import { UsageError } from './errors';
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
