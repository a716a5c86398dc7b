// This process's heap as a graph: V8's heap snapshot written to a private
// temporary file (the app pauses for it), read back into typed arrays, and
// the file deleted whatever happens. Loaded on first use only.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { HeapGraph } from './graph';
import { readHeapSnapshot } from './parse';

export function withLiveHeapGraph<T>(use: (graph: HeapGraph) => T): T {
  // mkdtemp makes the directory 0700: the snapshot holds the app's data.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloctrace-heap-'));
  try {
    const file = v8.writeHeapSnapshot(path.join(dir, 'heap.heapsnapshot'));
    return use(new HeapGraph(readHeapSnapshot(file)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
