// Turns what the sampler sees into trace records: interns strings, frames and
// stacks (each defined once, before first use) and packs polls into Batch and
// Memory records. Every record is appended to `out` with its varint length.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "census.h"

namespace alloctrace {

struct HeaderInfo {
  uint64_t start_time_unix_ns = 0;
  uint32_t pid = 0;
  uint32_t thread_id = 0;
  std::string hostname;
  std::vector<std::string> argv;
  std::string node_version;
  std::string v8_version;
  uint32_t sample_interval = 0;
  uint32_t stack_depth = 0;
  uint32_t poll_interval_ms = 0;
  bool precise = false;
  std::string cwd;
  std::string tracer_dir;
  // 0: the session's first file; N: the Nth file it rotated into (same
  // start time and pid: a continuation, which restates the live set).
  uint32_t part = 0;
};

struct FrameInfo {
  std::string function_name;
  std::string script_name;
  uint32_t line = 0;
  uint32_t column = 0;
  bool builtin = false;
};

struct NewSample {
  uint64_t id;
  uint32_t stack;
  uint32_t size;
};

struct MemoryInfo {
  uint64_t rss = 0, heap_total = 0, heap_used = 0, external = 0, array_buffers = 0;
};

// Trace files: "ATRACE\0" + format version 2, whose records each carry a
// CRC32C after them (added by the writer thread, see writer.cc).
extern const char kMagic[8];
// In-memory streams (Tracer::Snapshot), never written to disk by the
// tracer: format version 1, records without checksums.
extern const char kMagicUnchecked[8];

// Marker.precise (proto/alloctrace.proto): a run-time switch of precise mode.
enum PreciseSwitch : uint32_t { kPreciseUnchanged = 0, kPreciseOn = 1, kPreciseOff = 2 };

class Encoder {
 public:
  // Each Intern*/Use* call returns (or takes) an id that is defined in the
  // current file: the first time a string, frame or stack is seen, or the
  // first time a file uses it, its definition (and those it refers to) is
  // appended to `out`.
  // Returns the frame's id.
  uint32_t InternFrame(const FrameInfo& frame, std::string* out);
  // `frames` is leaf first.
  uint32_t InternStack(const std::vector<uint32_t>& frames, std::string* out);
  // A stack interned earlier (cached by the tracer), defined in this file if it is not yet.
  void UseStack(uint32_t id, std::string* out);
  // A new file begins: it holds no definitions yet (ids stay the same).
  void NewFile();

  static void Header(const HeaderInfo& h, std::string* out);
  // `new_samples` sorted by id; `freed_ids` sorted. With `live_set`, the
  // samples are the whole live set (the start of a rotated file), not new.
  static void Batch(uint64_t time_ns, const std::vector<NewSample>& new_samples,
                    const std::vector<uint64_t>& freed_ids, std::string* out, bool live_set = false);
  static void Memory(uint64_t time_ns, const MemoryInfo& m, std::string* out);
  static void Marker(uint64_t time_ns, const std::string& name, bool gc_forced, std::string* out,
                     uint64_t requested_ns = 0, PreciseSwitch precise = kPreciseUnchanged);
  // An object census (census.h) taken at time_ns; `label` says why.
  static void Census(uint64_t time_ns, const std::string& label, const CensusResult& census, std::string* out);
  // A finding encoded in JavaScript (Retainers, Suspects: the Record fields
  // this returns true for), stamped with its time (field 1) here. False: not such a kind.
  static bool Finding(uint32_t kind, uint64_t time_ns, const std::string& msg, std::string* out);
  static void Trailer(uint64_t time_ns, uint64_t allocs, uint64_t frees, uint64_t batches,
                      uint64_t dropped, std::string* out);

  // Every definition made so far, strings then frames then stacks, so that a
  // self-contained stream (an in-process snapshot) can use this encoder's ids.
  void AllDefinitions(std::string* out) const;

 private:
  // A definition record and whether the current file has it yet.
  struct Def {
    std::string record;
    bool in_file;
  };
  uint32_t InternString(const std::string& s, std::string* out);
  void UseString(uint32_t id, std::string* out);
  void UseFrame(uint32_t id, std::string* out);

  std::unordered_map<std::string, uint32_t> strings_;
  std::unordered_map<std::string, uint32_t> frames_;  // key: packed FrameDef fields
  std::unordered_map<std::string, uint32_t> stacks_;  // key: raw frame id bytes
  // By id - 1.
  std::vector<Def> string_defs_;
  std::vector<Def> frame_defs_;
  std::vector<std::pair<uint32_t, uint32_t>> frame_strings_;  // function, script
  std::vector<Def> stack_defs_;
  std::vector<std::vector<uint32_t>> stack_frames_;
};

}  // namespace alloctrace
