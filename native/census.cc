#include "census.h"

#include <uv.h>
#include <v8-profiler.h>

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <deque>
#include <unordered_map>

namespace alloctrace {

namespace {

// The names V8's own heap snapshots (and DevTools) give node types.
const char* TypeName(v8::HeapGraphNode::Type type) {
  switch (type) {
    case v8::HeapGraphNode::kHidden: return "hidden";
    case v8::HeapGraphNode::kArray: return "array";
    case v8::HeapGraphNode::kString: return "string";
    case v8::HeapGraphNode::kObject: return "object";
    case v8::HeapGraphNode::kCode: return "code";
    case v8::HeapGraphNode::kClosure: return "closure";
    case v8::HeapGraphNode::kRegExp: return "regexp";
    case v8::HeapGraphNode::kHeapNumber: return "number";
    case v8::HeapGraphNode::kNative: return "native";
    case v8::HeapGraphNode::kSynthetic: return "synthetic";
    case v8::HeapGraphNode::kConsString: return "concatenated string";
    case v8::HeapGraphNode::kSlicedString: return "sliced string";
    case v8::HeapGraphNode::kSymbol: return "symbol";
    case v8::HeapGraphNode::kBigInt: return "bigint";
    case v8::HeapGraphNode::kObjectShape: return "object shape";
    default: return "other";  // kWasmObject and any type a later V8 adds
  }
}

// A string's or a regexp's name is its content (or source): keyed by type
// alone, so that no app data ends up in the census and the map stays small.
bool NamedByContent(v8::HeapGraphNode::Type type) {
  return type == v8::HeapGraphNode::kString || type == v8::HeapGraphNode::kConsString ||
         type == v8::HeapGraphNode::kSlicedString || type == v8::HeapGraphNode::kRegExp;
}

// Code nodes are named after their function ("(code for f)", or just "f"
// for its SharedFunctionInfo): one kind per function in the app (and one per
// V8 builtin) would bury the census. They fold into three kinds; V8's own
// ("system / ...", "(constant pool)"...) keep their names.
std::string CodeName(std::string name) {
  if (name.rfind("(code", 0) == 0) return "(compiled code)";
  static const std::string kBuiltin = " builtin handle)";
  if (name.size() > kBuiltin.size() && name.compare(name.size() - kBuiltin.size(), kBuiltin.size(), kBuiltin) == 0) {
    return "(builtin handles)";
  }
  if (name.rfind("system / ", 0) == 0 || name.rfind("(", 0) == 0) return name;
  return "(function info)";
}

struct Key {
  int type;
  std::string name;
  bool operator==(const Key& o) const { return type == o.type && name == o.name; }
};

struct KeyHash {
  size_t operator()(const Key& k) const { return std::hash<std::string>()(k.name) * 31 + static_cast<size_t>(k.type); }
};

struct Tally {
  uint64_t count = 0;
  uint64_t size = 0;
};

// Handles made per scope while reading names: the walk of a big heap reads
// millions, and a scope that outlived them all would hold them all.
constexpr int kNamesPerScope = 4096;
constexpr size_t kMaxName = 256;

// The snapshot ids of the results in `own`: each array, its entry objects
// and their strings. Read right after the snapshot, before anything moves.
std::unordered_set<v8::SnapshotObjectId> OwnIds(v8::Isolate* isolate, v8::HeapProfiler* profiler,
                                                const std::vector<v8::Global<v8::Array>>& own) {
  std::unordered_set<v8::SnapshotObjectId> ids;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::String> keys[] = {
      v8::String::NewFromUtf8Literal(isolate, "type", v8::NewStringType::kInternalized),
      v8::String::NewFromUtf8Literal(isolate, "name", v8::NewStringType::kInternalized)};
  for (const v8::Global<v8::Array>& g : own) {
    if (g.IsEmpty()) continue;
    v8::Local<v8::Array> array = g.Get(isolate);
    ids.insert(profiler->GetObjectId(array));
    uint32_t n = array->Length();
    for (uint32_t i = 0; i < n; i++) {
      v8::Local<v8::Value> v;
      // Plain data properties that the addon made: no JavaScript runs.
      if (!array->Get(context, i).ToLocal(&v) || !v->IsObject()) continue;
      v8::Local<v8::Object> entry = v.As<v8::Object>();
      ids.insert(profiler->GetObjectId(entry));
      for (v8::Local<v8::String> key : keys) {
        v8::Local<v8::Value> s;
        if (entry->GetRealNamedProperty(context, key).ToLocal(&s) && s->IsString()) {
          ids.insert(profiler->GetObjectId(s));
        }
      }
    }
  }
  return ids;
}

// Counts JavaScript objects by kind as V8's heap iterator hands them over.
// Filter runs inside V8's walk of the heap: it may read but not allocate on
// the JavaScript heap (GetConstructorName is V8's own heap snapshot's lookup,
// made without allocating; a function's name is a field). Names are kept as
// V8's strings and compared by identity first: UTF-8 is made once per kind.
class ObjectCounter : public v8::QueryObjectPredicate {
 public:
  // Made before the walk, which must not allocate.
  explicit ObjectCounter(v8::Isolate* isolate)
      : isolate_(isolate),
        bind_(isolate, v8::String::NewFromUtf8Literal(isolate, "native_bind", v8::NewStringType::kInternalized)) {}

  bool Filter(v8::Local<v8::Object> object) override {
    v8::HandleScope scope(isolate_);
    v8::HeapGraphNode::Type type = v8::HeapGraphNode::kObject;
    v8::Local<v8::Value> name;
    if (object->IsFunction()) {
      type = v8::HeapGraphNode::kClosure;
      v8::Local<v8::Function> fn = object.As<v8::Function>();
      // V8's heap snapshot calls every bound function "native_bind".
      name = fn->GetBoundFunction()->IsFunction() ? bind_.Get(isolate_).As<v8::Value>() : fn->GetName();
    } else if (object->IsRegExp()) {
      type = v8::HeapGraphNode::kRegExp;  // named by its source: kept out, as in the full census
    } else {
      name = object->GetConstructorName();
    }
    Count(type, name);
    return false;  // nothing is kept: V8 makes no handle that outlives the walk
  }

  std::vector<CensusEntry> Entries() {
    std::vector<CensusEntry> out;
    out.reserve(kinds_.size());
    for (Kind& k : kinds_) {
      CensusEntry e;
      e.type = TypeName(k.type);
      if (!k.name.IsEmpty()) {
        v8::HandleScope scope(isolate_);
        v8::String::Utf8Value utf8(isolate_, k.name.Get(isolate_));
        if (*utf8 != nullptr) e.name.assign(*utf8, std::min<size_t>(utf8.length(), kMaxName));
      }
      e.count = k.count;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  struct Kind {
    v8::HeapGraphNode::Type type;
    v8::Global<v8::String> name;  // empty: no name
    uint64_t count = 0;
  };

  void Count(v8::HeapGraphNode::Type type, v8::Local<v8::Value> value) {
    v8::Local<v8::String> name;
    if (!value.IsEmpty() && value->IsString()) name = value.As<v8::String>();
    if (!name.IsEmpty() && name->Length() == 0) name.Clear();
    // Constructor and function names are internalized: the same kind is the
    // same string object, and its hash is already there.
    int hash = name.IsEmpty() ? 0 : name->GetIdentityHash();
    std::vector<size_t>& bucket = by_hash_[hash * 31 + static_cast<int>(type)];
    for (size_t i : bucket) {
      Kind& k = kinds_[i];
      if (k.type != type || k.name.IsEmpty() != name.IsEmpty()) continue;
      if (name.IsEmpty() || k.name.Get(isolate_)->StrictEquals(name)) {
        k.count += 1;
        return;
      }
    }
    bucket.push_back(kinds_.size());
    kinds_.push_back(Kind{type, v8::Global<v8::String>(), 1});
    if (!name.IsEmpty()) kinds_.back().name.Reset(isolate_, name);
  }

  v8::Isolate* isolate_;
  v8::Global<v8::String> bind_;
  std::deque<Kind> kinds_;
  std::unordered_map<int, std::vector<size_t>> by_hash_;
};

// Census results handed to JavaScript and still alive: arrays of plain
// entry objects the addon made. The counting walk cannot tell them apart
// from the app's, so it takes them off afterwards.
void SubtractOwn(v8::Isolate* isolate, const std::vector<v8::Global<v8::Array>>& own, std::vector<CensusEntry>* entries) {
  uint64_t arrays = 0, objects = 0;
  v8::HandleScope scope(isolate);
  for (const v8::Global<v8::Array>& g : own) {
    if (g.IsEmpty()) continue;
    arrays += 1;
    objects += g.Get(isolate)->Length();
  }
  for (CensusEntry& e : *entries) {
    if (e.type != "object") continue;
    if (e.name == "Array") e.count -= std::min(e.count, arrays);
    if (e.name == "Object") e.count -= std::min(e.count, objects);
  }
}

}  // namespace

CensusResult CountObjects(v8::Isolate* isolate, const std::vector<v8::Global<v8::Array>>& own) {
  CensusResult result;
  result.counts_only = true;
  uint64_t t0 = uv_hrtime();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  ObjectCounter counter(isolate);
  std::vector<v8::Global<v8::Object>> none;
  // V8 collects all garbage first (like LowMemoryNotification), then walks
  // what is reachable.
  isolate->GetHeapProfiler()->QueryObjects(context, &counter, &none);
  result.gc_forced = true;
  result.entries = counter.Entries();
  SubtractOwn(isolate, own, &result.entries);
  result.entries.erase(std::remove_if(result.entries.begin(), result.entries.end(),
                                      [](const CensusEntry& e) { return e.count == 0; }),
                       result.entries.end());
  std::sort(result.entries.begin(), result.entries.end(), [](const CensusEntry& a, const CensusEntry& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.type != b.type) return a.type < b.type;
    return a.name < b.name;
  });
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  result.pause_ns = uv_hrtime() - t0;
  return result;
}

CensusResult TakeCensus(v8::Isolate* isolate, bool gc, const std::vector<v8::Global<v8::Array>>& own) {
  CensusResult result;
  uint64_t t0 = uv_hrtime();
  if (gc) {
    isolate->LowMemoryNotification();
    result.gc_forced = true;
    result.gc_ns = uv_hrtime() - t0;
  }
  v8::HeapProfiler* profiler = isolate->GetHeapProfiler();
  // The default options on every line (V8 11 to 14): internals hidden,
  // numeric values not captured.
  const v8::HeapSnapshot* snapshot = profiler->TakeHeapSnapshot();
  if (snapshot != nullptr) {
    std::unordered_set<v8::SnapshotObjectId> own_ids = OwnIds(isolate, profiler, own);
    std::unordered_map<Key, Tally, KeyHash> tallies;
    int nodes = snapshot->GetNodesCount();
    for (int start = 0; start < nodes; start += kNamesPerScope) {
      v8::HandleScope scope(isolate);
      int end = std::min(nodes, start + kNamesPerScope);
      for (int i = start; i < end; i++) {
        const v8::HeapGraphNode* node = snapshot->GetNode(i);
        if (!own_ids.empty() && own_ids.count(node->GetId()) != 0) continue;
        v8::HeapGraphNode::Type type = node->GetType();
        Key key{static_cast<int>(type), std::string()};
        if (!NamedByContent(type)) {
          v8::Local<v8::String> name = node->GetName();
          if (!name.IsEmpty()) {
            v8::String::Utf8Value utf8(isolate, name);
            // Names are kinds, not data: a very long one is cut.
            if (*utf8 != nullptr) key.name.assign(*utf8, std::min<size_t>(utf8.length(), kMaxName));
          }
          if (type == v8::HeapGraphNode::kCode) key.name = CodeName(std::move(key.name));
        }
        Tally& t = tallies[std::move(key)];
        t.count += 1;
        t.size += node->GetShallowSize();
      }
    }
    // V8 keeps every snapshot until told: this one is of no further use.
    const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
    // V8 also keeps an id for every object it has seen (one entry per live
    // object: hundreds of MB at 1 GB heaps) for later snapshots; a census
    // needs none of them. (A tool that compares snapshot ids across
    // snapshots of this process would see new ids after a census.)
    profiler->ClearObjectIds();
#if defined(__GLIBC__)
    // The snapshot's many small blocks stay in malloc's arenas otherwise:
    // give them back to the system, or the RSS keeps the snapshot's peak.
    malloc_trim(0);
#endif
    result.entries.reserve(tallies.size());
    for (auto& [key, tally] : tallies) {
      result.entries.push_back({TypeName(static_cast<v8::HeapGraphNode::Type>(key.type)), key.name, tally.count,
                                tally.size});
    }
    std::sort(result.entries.begin(), result.entries.end(), [](const CensusEntry& a, const CensusEntry& b) {
      if (a.size != b.size) return a.size > b.size;
      if (a.type != b.type) return a.type < b.type;
      return a.name < b.name;
    });
  }
  result.pause_ns = uv_hrtime() - t0;
  return result;
}

}  // namespace alloctrace
