#include "encoder.h"

#include "wire.h"

namespace alloctrace {

const char kMagic[8] = {'A', 'T', 'R', 'A', 'C', 'E', '\0', 2};
const char kMagicUnchecked[8] = {'A', 'T', 'R', 'A', 'C', 'E', '\0', 1};

namespace {

// Field numbers of Record's oneof (proto/alloctrace.proto).
enum RecordKind : uint32_t {
  kHeader = 1, kString = 2, kFrame = 3, kStack = 4,
  kBatch = 5, kMemory = 6, kMarker = 7, kTrailer = 8, kCensus = 9, kRetainers = 10, kSuspects = 11,
};

void AppendRecord(std::string* out, RecordKind kind, const std::string& msg) {
  std::string record;
  record.reserve(msg.size() + 6);
  wire::MessageField(&record, kind, msg);
  wire::Varint(out, record.size());
  out->append(record);
}

template <typename T, typename F>
void PackedField(std::string* out, uint32_t field, const std::vector<T>& items, F value) {
  if (items.empty()) return;
  std::string packed;
  packed.reserve(items.size() * 2);
  for (const T& item : items) wire::Varint(&packed, value(item));
  wire::Tag(out, field, wire::kLengthDelimited);
  wire::Varint(out, packed.size());
  out->append(packed);
}

}  // namespace

uint32_t Encoder::InternString(const std::string& s, std::string* out) {
  if (s.empty()) return 0;
  auto it = strings_.find(s);
  if (it != strings_.end()) {
    UseString(it->second, out);
    return it->second;
  }
  uint32_t id = static_cast<uint32_t>(strings_.size()) + 1;
  strings_.emplace(s, id);
  std::string msg;
  wire::UintField(&msg, 1, id);
  wire::BytesField(&msg, 2, s);
  std::string record;
  AppendRecord(&record, kString, msg);
  out->append(record);
  string_defs_.push_back({std::move(record), true});
  return id;
}

void Encoder::UseString(uint32_t id, std::string* out) {
  if (id == 0) return;
  Def& def = string_defs_[id - 1];
  if (def.in_file) return;
  def.in_file = true;
  out->append(def.record);
}

void Encoder::UseFrame(uint32_t id, std::string* out) {
  Def& def = frame_defs_[id - 1];
  if (def.in_file) return;
  UseString(frame_strings_[id - 1].first, out);
  UseString(frame_strings_[id - 1].second, out);
  def.in_file = true;
  out->append(def.record);
}

void Encoder::UseStack(uint32_t id, std::string* out) {
  if (id == 0 || id > stack_defs_.size()) return;
  Def& def = stack_defs_[id - 1];
  if (def.in_file) return;
  for (uint32_t f : stack_frames_[id - 1]) UseFrame(f, out);
  def.in_file = true;
  out->append(def.record);
}

void Encoder::NewFile() {
  for (Def& d : string_defs_) d.in_file = false;
  for (Def& d : frame_defs_) d.in_file = false;
  for (Def& d : stack_defs_) d.in_file = false;
}

uint32_t Encoder::InternFrame(const FrameInfo& f, std::string* out) {
  uint32_t fn = InternString(f.function_name, out);
  uint32_t script = InternString(f.script_name, out);
  std::string body;
  wire::UintField(&body, 2, fn);
  wire::UintField(&body, 3, script);
  wire::UintField(&body, 4, f.line);
  wire::UintField(&body, 5, f.column);
  wire::UintField(&body, 6, f.builtin ? 1 : 0);
  auto it = frames_.find(body);
  if (it != frames_.end()) {
    UseFrame(it->second, out);
    return it->second;
  }
  uint32_t id = static_cast<uint32_t>(frames_.size()) + 1;
  frames_.emplace(body, id);
  std::string msg;
  wire::UintField(&msg, 1, id);
  msg.append(body);
  std::string record;
  AppendRecord(&record, kFrame, msg);
  out->append(record);
  frame_defs_.push_back({std::move(record), true});
  frame_strings_.push_back({fn, script});
  return id;
}

uint32_t Encoder::InternStack(const std::vector<uint32_t>& frames, std::string* out) {
  std::string key(reinterpret_cast<const char*>(frames.data()), frames.size() * sizeof(uint32_t));
  auto it = stacks_.find(key);
  if (it != stacks_.end()) {
    UseStack(it->second, out);
    return it->second;
  }
  uint32_t id = static_cast<uint32_t>(stacks_.size()) + 1;
  stacks_.emplace(std::move(key), id);
  for (uint32_t f : frames) UseFrame(f, out);
  std::string msg;
  wire::UintField(&msg, 1, id);
  PackedField(&msg, 2, frames, [](uint32_t f) { return f; });
  std::string record;
  AppendRecord(&record, kStack, msg);
  out->append(record);
  stack_defs_.push_back({std::move(record), true});
  stack_frames_.push_back(frames);
  return id;
}

void Encoder::AllDefinitions(std::string* out) const {
  for (const Def& d : string_defs_) out->append(d.record);
  for (const Def& d : frame_defs_) out->append(d.record);
  for (const Def& d : stack_defs_) out->append(d.record);
}

void Encoder::Header(const HeaderInfo& h, std::string* out) {
  std::string msg;
  wire::UintField(&msg, 1, 2);  // format version
  wire::UintField(&msg, 2, h.start_time_unix_ns);
  wire::UintField(&msg, 3, h.pid);
  wire::UintField(&msg, 4, h.thread_id);
  wire::BytesField(&msg, 5, h.hostname);
  for (const std::string& arg : h.argv) {
    // Repeated strings keep empty elements, unlike singular fields.
    wire::Tag(&msg, 6, wire::kLengthDelimited);
    wire::Varint(&msg, arg.size());
    msg.append(arg);
  }
  wire::BytesField(&msg, 7, h.node_version);
  wire::BytesField(&msg, 8, h.v8_version);
  wire::UintField(&msg, 9, h.sample_interval);
  wire::UintField(&msg, 10, h.stack_depth);
  wire::UintField(&msg, 11, h.poll_interval_ms);
  wire::UintField(&msg, 12, h.precise ? 1 : 0);
  wire::BytesField(&msg, 13, h.cwd);
  wire::BytesField(&msg, 14, h.tracer_dir);
  wire::UintField(&msg, 15, h.part);
  AppendRecord(out, kHeader, msg);
}

void Encoder::Batch(uint64_t time_ns, const std::vector<NewSample>& samples,
                    const std::vector<uint64_t>& freed, std::string* out, bool live_set) {
  std::string msg;
  wire::UintField(&msg, 1, time_ns);
  uint64_t prev = 0;
  PackedField(&msg, 2, samples, [&prev](const NewSample& s) {
    uint64_t d = s.id - prev;
    prev = s.id;
    return d;
  });
  PackedField(&msg, 3, samples, [](const NewSample& s) { return s.stack; });
  PackedField(&msg, 4, samples, [](const NewSample& s) { return s.size; });
  prev = 0;
  PackedField(&msg, 5, freed, [&prev](uint64_t id) {
    uint64_t d = id - prev;
    prev = id;
    return d;
  });
  wire::UintField(&msg, 6, live_set ? 1 : 0);
  AppendRecord(out, kBatch, msg);
}

void Encoder::Memory(uint64_t time_ns, const MemoryInfo& m, std::string* out) {
  std::string msg;
  wire::UintField(&msg, 1, time_ns);
  wire::UintField(&msg, 2, m.rss);
  wire::UintField(&msg, 3, m.heap_total);
  wire::UintField(&msg, 4, m.heap_used);
  wire::UintField(&msg, 5, m.external);
  wire::UintField(&msg, 6, m.array_buffers);
  AppendRecord(out, kMemory, msg);
}

void Encoder::Marker(uint64_t time_ns, const std::string& name, bool gc_forced, std::string* out,
                     uint64_t requested_ns, PreciseSwitch precise) {
  std::string msg;
  wire::UintField(&msg, 1, time_ns);
  wire::BytesField(&msg, 2, name);
  wire::UintField(&msg, 3, gc_forced ? 1 : 0);
  wire::UintField(&msg, 4, requested_ns);
  wire::UintField(&msg, 5, precise);
  AppendRecord(out, kMarker, msg);
}

bool Encoder::Finding(uint32_t kind, uint64_t time_ns, const std::string& msg, std::string* out) {
  if (kind != kRetainers && kind != kSuspects) return false;
  std::string body = msg;
  wire::UintField(&body, 1, time_ns);  // fields may come in any order
  AppendRecord(out, static_cast<RecordKind>(kind), body);
  return true;
}

void Encoder::Census(uint64_t time_ns, const std::string& label, const CensusResult& census, std::string* out) {
  std::string msg;
  wire::UintField(&msg, 1, time_ns);
  wire::BytesField(&msg, 2, label);
  wire::UintField(&msg, 3, census.gc_forced ? 1 : 0);
  wire::UintField(&msg, 4, census.pause_ns);
  wire::UintField(&msg, 7, census.counts_only ? 1 : 0);
  for (const CensusEntry& e : census.entries) {
    std::string entry;
    wire::BytesField(&entry, 1, e.type);
    wire::BytesField(&entry, 2, e.name);
    wire::UintField(&entry, 3, e.count);
    wire::UintField(&entry, 4, e.size);
    wire::MessageField(&msg, 5, entry);
  }
  wire::UintField(&msg, 6, census.gc_ns);
  AppendRecord(out, kCensus, msg);
}

void Encoder::Trailer(uint64_t time_ns, uint64_t allocs, uint64_t frees, uint64_t batches,
                      uint64_t dropped, std::string* out) {
  std::string msg;
  wire::UintField(&msg, 1, time_ns);
  wire::UintField(&msg, 2, allocs);
  wire::UintField(&msg, 3, frees);
  wire::UintField(&msg, 4, batches);
  wire::UintField(&msg, 5, dropped);
  AppendRecord(out, kTrailer, msg);
}

}  // namespace alloctrace
