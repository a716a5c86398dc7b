// One tracer per isolate (the main thread and each Worker have their own).
// It runs V8's sampling heap profiler, polls it on an unref'd libuv timer,
// turns the difference between two polls into new and freed samples, and
// hands the encoded records to the writer.
#pragma once
#include <uv.h>
#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "encoder.h"
#include "writer.h"

namespace alloctrace {

struct TracerOptions {
  std::string file;      // empty: keep the live set in memory only (in-process API)
  std::string if_taken;  // where to write when `file` exists (else its next free number)
  uint64_t max_bytes = 0;  // start the next file once one holds this much (0: never)
  uint32_t keep = 0;       // files of this name kept when rotating (0: all)
  uint32_t interval = 512 * 1024;
  uint32_t depth = 64;
  uint32_t poll_ms = 1000;
  HeaderInfo header;
};

// One poll's figures, kept in memory for the live admin endpoint.
struct TimelinePoint {
  uint64_t time_ns;  // since this session's start
  double traced;     // estimated live bytes of the sampled set
  MemoryInfo memory;
};

struct TracedMemory {
  double current = 0;
  double peak = 0;
};

class Tracer {
 public:
  Tracer(v8::Isolate* isolate, uv_loop_t* loop);

  std::string Start(const TracerOptions& options);  // "" or why tracing could not start
  // Final poll (and a full GC with another poll), optional marker, Trailer.
  void Stop(bool gc, const std::string& marker);
  bool tracing() const { return tracing_; }
  void Mark(const std::string& name, bool gc);
  // Precise mode is being switched at run time (the caller flips the flags
  // and deoptimizes right after): a poll, then a marker that says so.
  void SwitchPrecise(bool on);
  // An object census (census.h); when tracing, polled before (frames seen
  // while their scripts live) and written into the trace. `time_ns`: since
  // the trace's start, or 0 when not tracing.
  // `counts_only`: CountObjects instead of the heap snapshot (census.h).
  CensusResult Census(bool gc, bool counts_only, const std::string& label, uint64_t* time_ns);
  // A census result handed to JavaScript (its entries array): later
  // censuses leave it out while it lives (held weakly).
  void KeepCensusResult(v8::Local<v8::Array> entries);
  // A finding made in JavaScript (Encoder::Finding), written when tracing
  // to a file; returns its time since the trace's start, or -1 if not written.
  double WriteFinding(uint32_t kind, const std::string& msg);
  TracedMemory Memory();
  void ResetPeak() { peak_bytes_ = current_bytes_; }
  void ClearTraces();
  // A self-contained trace stream holding the current live set.
  std::string Snapshot(bool gc);
  uint32_t depth() const { return options_.depth; }
  // The file written to now (or last), "" if none.
  std::string file() const { return writer_ ? writer_->path() : chain_.current; }
  const std::deque<TimelinePoint>& timeline() const { return timeline_; }

  // Environment teardown: stop and close the timer; `closed` runs once libuv
  // has released the timer, after which the tracer is deleted.
  void Shutdown(void (*closed)(void*), void* arg);

 private:
  struct Live {
    uint64_t id;
    uint32_t stack;
    uint32_t size;
  };
  // A moment that in-process snapshots split their live set at: the samples
  // seen by then (ids up to last_id) are older than it. Snapshots and precise
  // switches are such moments, so a snapshot stream still tells which samples
  // are newer than an earlier snapshot and which mode each was allocated in.
  struct Epoch {
    uint64_t time_ns;
    uint64_t last_id;
    PreciseSwitch precise;
  };
  struct NodeRef {
    const v8::AllocationProfile::Node* node;
    uint32_t parent_id;
  };
  using NodeIndex = std::unordered_map<uint32_t, NodeRef>;

  static void OnTimer(uv_timer_t* timer);
  static size_t OnNearHeapLimit(void* data, size_t current_limit, size_t initial_limit);
  void RecordNearHeapLimit();
  void Poll();
  // A poll; with `gc`, then a forced full GC and another poll (the first
  // poll sees frames whose scripts the GC may unload).
  void PollAroundGc(bool gc);
  void ScheduleNext(uint64_t poll_cost_ns);
  // Bounded disk: once the file is over max_bytes, the writer goes on in the
  // next file, which begins self-contained (see the definition).
  void MaybeRotate(uint64_t now);
  uint32_t ResolveStack(uint32_t node_id, const NodeIndex& index, std::string* out);
  uint32_t ResolveFrame(const v8::AllocationProfile::Node* node, std::string* out);
  void AddEpoch(uint64_t time_ns, PreciseSwitch precise);
  void Emit(std::string bytes);
  void Fail(const std::string& why);
  void Halt();
  uint64_t Now() const { return uv_hrtime() - start_ns_; }
  double Estimate(uint32_t size) const;

  v8::Isolate* isolate_;
  uv_timer_t* timer_;
  TracerOptions options_;
  bool tracing_ = false;
  std::unique_ptr<Writer> writer_;
  Encoder encoder_;
  uint64_t start_ns_ = 0;
  int polls_ = 0;
  std::string last_file_;  // the name asked for: a restart into it appends a segment
  FileChain chain_;        // the files that name led to (kept across restarts)
  uint32_t part_ = 0;      // files this session rotated into
  uint64_t prefix_bytes_ = 0;  // the current file's self-contained start
  bool near_limit_hooked_ = false;
  bool near_limit_fired_ = false;
  bool interrupt_pending_ = false;  // V8 holds a pointer to us until it runs
  size_t limit_before_ = 0;
  uint64_t near_limit_at_ns_ = 0;  // when V8 called back, since start

  std::vector<Live> live_;  // sorted by sample id
  uint64_t max_seen_id_ = 0;
  uint64_t cleared_up_to_ = 0;  // clearTraces(): older samples are forgotten
  std::unordered_map<uint32_t, uint32_t> node_stack_;  // V8 node id -> stack id
  std::unordered_map<uint32_t, uint32_t> node_frame_;  // V8 node id -> frame id
  double current_bytes_ = 0;
  double peak_bytes_ = 0;
  uint64_t allocs_ = 0, frees_ = 0, batches_ = 0;
  std::deque<TimelinePoint> timeline_;  // the latest polls, oldest first
  std::vector<Epoch> epochs_;           // oldest first, at most kMaxEpochs
  bool epochs_precise_base_ = false;    // precise mode before the first epoch kept

  std::vector<v8::Global<v8::Array>> census_results_;  // weak

  void (*closed_)(void*) = nullptr;
  void* closed_arg_ = nullptr;
};

}  // namespace alloctrace
