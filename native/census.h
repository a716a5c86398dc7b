// An object census: every live object of the heap counted by kind (V8's node
// type and, for objects, the constructor's name), with its shallow size. A
// C++ walk of V8's heap snapshot graph: no JSON of the heap, nothing in the
// JavaScript heap but the few names it reads.
#pragma once
#include <v8.h>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace alloctrace {

struct CensusEntry {
  std::string type;  // V8's node type as its heap snapshots name it: "object", "closure", "string"...
  std::string name;  // the constructor's (objects) or the node's name; "" for strings and regexps
  uint64_t count = 0;
  uint64_t size = 0;  // shallow bytes
};

struct CensusResult {
  std::vector<CensusEntry> entries;  // largest size first
  bool counts_only = false;  // CountObjects: JavaScript objects by kind, no sizes
  bool gc_forced = false;
  uint64_t gc_ns = 0;     // the forced full GC before the walk (0 without one)
  uint64_t pause_ns = 0;  // the whole pause: GC, snapshot, walk
};

// With `gc`, a full GC first (LowMemoryNotification: repeated GCs, weak
// callbacks run), so that the census counts only what is still referenced.
// `own`: earlier census results handed to JavaScript (arrays of entry
// objects, weak): those still alive are left out, so that a census the app
// keeps to compare with is not counted as growth by the next one.
CensusResult TakeCensus(v8::Isolate* isolate, bool gc, const std::vector<v8::Global<v8::Array>>& own);

// A census of JavaScript objects only (no strings, arrays' backing stores,
// code...), counted without sizes (objgraph's most common types), after a
// full GC: V8's own heap walk (HeapProfiler::QueryObjects), with no snapshot
// of the graph, so its memory does not grow with the heap's references.
// Side effect of V8's walk: type feedback is cleared, so hot code warms up again.
CensusResult CountObjects(v8::Isolate* isolate, const std::vector<v8::Global<v8::Array>>& own);

}  // namespace alloctrace
