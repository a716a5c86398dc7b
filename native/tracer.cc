#include "tracer.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace alloctrace {

namespace {

// Poll soon after start, while start-up scripts are still loaded (a script
// whose functions are all collected loses its name and lines), then settle
// on the configured interval.
constexpr uint64_t kEarlyPollsMs[] = {50, 150, 300};

// An hour of polls at the default interval.
constexpr size_t kTimelinePoints = 3600;

// Snapshot split points kept (see Tracer::Epoch): enough for any admin
// session; beyond it the oldest go, precise switches last.
constexpr size_t kMaxEpochs = 1024;

uint64_t WallClockNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty()) return "";
  v8::String::Utf8Value utf8(isolate, s);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string();
}

uint32_t Positive(int v) { return v > 0 ? static_cast<uint32_t>(v) : 0; }

}  // namespace

Tracer::Tracer(v8::Isolate* isolate, uv_loop_t* loop) : isolate_(isolate), timer_(new uv_timer_t) {
  uv_timer_init(loop, timer_);
  timer_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
}

double Tracer::Estimate(uint32_t size) const {
  // V8's unsampling (SamplingHeapProfiler::ScaleSample): objects this sample
  // stands for, rounded; the reader uses the same formula.
  double scale = 1.0 / (1.0 - std::exp(-static_cast<double>(size) / options_.interval));
  return static_cast<double>(size) * static_cast<double>(static_cast<uint64_t>(scale + 0.5));
}

std::string Tracer::Start(const TracerOptions& options) {
  if (tracing_) return "already tracing";
  if (options.interval == 0) return "the sample interval must be at least 1 byte";
  if (options.depth == 0) return "the stack depth must be at least 1";
  options_ = options;
  if (options_.poll_ms == 0) options_.poll_ms = 1000;
  std::unique_ptr<Writer> writer;
  if (!options_.file.empty()) {
    writer.reset(new Writer());
    bool restart = options_.file == last_file_;
    std::string err = writer->Open(options_.file, options_.if_taken, restart, restart ? chain_ : FileChain(),
                                   options_.keep);
    if (!err.empty()) return err;
    last_file_ = options_.file;
  }
  if (!isolate_->GetHeapProfiler()->StartSamplingHeapProfiler(options_.interval,
                                                              static_cast<int>(options_.depth))) {
    return "V8's sampling heap profiler is already in use in this thread (another profiler?)";
  }
  writer_ = std::move(writer);
  encoder_ = Encoder();
  live_.clear();
  node_stack_.clear();
  node_frame_.clear();
  max_seen_id_ = cleared_up_to_ = 0;
  timeline_.clear();
  epochs_.clear();
  epochs_precise_base_ = options.header.precise;
  current_bytes_ = peak_bytes_ = 0;
  allocs_ = frees_ = batches_ = 0;
  polls_ = 0;
  part_ = 0;
  start_ns_ = uv_hrtime();
  options_.header.start_time_unix_ns = WallClockNs();
  options_.header.sample_interval = options_.interval;
  options_.header.stack_depth = options_.depth;
  options_.header.poll_interval_ms = options_.poll_ms;
  options_.header.part = 0;
  tracing_ = true;
  if (!near_limit_hooked_ && !near_limit_fired_) {
    isolate_->AddNearHeapLimitCallback(OnNearHeapLimit, this);
    near_limit_hooked_ = true;
  }

  std::string out;
  Encoder::Header(options_.header, &out);
  Encoder::Marker(0, "start", false, &out);
  Emit(std::move(out));
  prefix_bytes_ = writer_ ? writer_->file_bytes() : 0;
  ScheduleNext(0);
  return "";
}

// The next file begins with what reading it alone needs: a Header (the same
// session, its part number), the definitions of the live set's stacks and
// the live set as a batch that restates it (later batches define what else
// they use as they go). The writer thread creates the file, so this poll
// never waits on the disk.
void Tracer::MaybeRotate(uint64_t now) {
  if (!tracing_ || !writer_ || options_.max_bytes == 0) return;
  uint64_t bytes = writer_->file_bytes();
  // Rotate only once a file holds as much again as its start, or a start
  // bigger than the cap (a huge live set) would rotate at every poll.
  if (bytes < options_.max_bytes || bytes < 2 * prefix_bytes_) return;
  std::string out;
  HeaderInfo header = options_.header;
  header.part = ++part_;
  Encoder::Header(header, &out);
  encoder_.NewFile();
  std::vector<NewSample> samples;
  samples.reserve(live_.size());
  for (const Live& l : live_) {
    encoder_.UseStack(l.stack, &out);
    samples.push_back({l.id, l.stack, l.size});
  }
  Encoder::Batch(now, samples, {}, &out, true);
  // The Trailer counts what each file adds.
  allocs_ = frees_ = 0;
  batches_ = 1;
  if (!writer_->Rotate(std::move(out))) return Fail(writer_->error());
  prefix_bytes_ = writer_->file_bytes();
}

void Tracer::ScheduleNext(uint64_t poll_cost_ns) {
  if (!tracing_) return;
  uint64_t delay;
  if (static_cast<size_t>(polls_) < sizeof(kEarlyPollsMs) / sizeof(kEarlyPollsMs[0])) {
    delay = std::min<uint64_t>(kEarlyPollsMs[polls_], options_.poll_ms);
  } else {
    // Back off so that polling never takes more than 1% of the time.
    delay = std::max<uint64_t>(options_.poll_ms, poll_cost_ns * 100 / 1000000);
  }
  uv_timer_start(timer_, OnTimer, delay, 0);
}

// V8 calls only the latest near-heap-limit callback, from inside a GC, and
// calls it again if anything allocates meanwhile. So it acts once: it grants
// 32 MiB of headroom and leaves the poll to an interrupt, which runs as soon
// as JavaScript resumes: outside the GC, with room to allocate. The interrupt
// then unhooks the callback and puts the old limit back, so the app fails
// (or a Worker's resourceLimits handler, now the latest again, stops it)
// exactly as it would have.
size_t Tracer::OnNearHeapLimit(void* data, size_t current_limit, size_t /*initial_limit*/) {
  Tracer* self = static_cast<Tracer*>(data);
  if (self->near_limit_fired_ || !self->tracing_) return current_limit;
  self->near_limit_fired_ = true;
  self->limit_before_ = current_limit;
  self->near_limit_at_ns_ = self->Now();
  self->interrupt_pending_ = true;
  self->isolate_->RequestInterrupt(
      [](v8::Isolate*, void* arg) { static_cast<Tracer*>(arg)->RecordNearHeapLimit(); }, self);
  return current_limit + (32u << 20);
}

void Tracer::RecordNearHeapLimit() {
  interrupt_pending_ = false;
  if (tracing_) {
    Poll();
    std::string out;
    Encoder::Marker(Now(), "near-heap-limit", false, &out, near_limit_at_ns_);
    Emit(std::move(out));
    // The process may be about to die: make sure the disk has it all.
    if (writer_) writer_->Flush();
  }
  if (near_limit_hooked_) {
    isolate_->RemoveNearHeapLimitCallback(OnNearHeapLimit, limit_before_);
    near_limit_hooked_ = false;
  }
}

void Tracer::OnTimer(uv_timer_t* timer) {
  Tracer* self = static_cast<Tracer*>(timer->data);
  uint64_t t0 = uv_hrtime();
  self->Poll();
  self->polls_++;
  self->ScheduleNext(uv_hrtime() - t0);
}

void Tracer::Poll() {
  if (!tracing_) return;
  if (writer_ && writer_->failed()) return Fail(writer_->error());
  v8::HandleScope scope(isolate_);
  std::unique_ptr<v8::AllocationProfile> profile(
      isolate_->GetHeapProfiler()->GetAllocationProfile());
  if (!profile) return Fail("V8's sampling heap profiler was stopped by someone else");
  const std::vector<v8::AllocationProfile::Sample>& samples = profile->GetSamples();

  std::vector<uint64_t> present;
  present.reserve(samples.size());
  std::vector<const v8::AllocationProfile::Sample*> fresh;
  for (const auto& s : samples) {
    if (s.sample_id <= cleared_up_to_) continue;
    present.push_back(s.sample_id);
    if (s.sample_id > max_seen_id_) fresh.push_back(&s);
  }
  std::sort(present.begin(), present.end());
  std::sort(fresh.begin(), fresh.end(),
            [](const auto* a, const auto* b) { return a->sample_id < b->sample_id; });

  std::string out;
  NodeIndex index;
  std::vector<NewSample> added;
  added.reserve(fresh.size());
  for (const auto* s : fresh) {
    uint32_t stack;
    auto known = node_stack_.find(s->node_id);
    if (known != node_stack_.end()) {
      stack = known->second;
      encoder_.UseStack(stack, &out);  // defined in an earlier file: again in this one
    } else {
      if (index.empty()) {
        // Only walk the tree when a sample hangs off a node we have not met.
        std::vector<std::pair<const v8::AllocationProfile::Node*, uint32_t>> todo = {
            {profile->GetRootNode(), 0}};
        while (!todo.empty()) {
          auto [node, parent] = todo.back();
          todo.pop_back();
          index[node->node_id] = {node, parent};
          for (const auto* child : node->children) todo.push_back({child, node->node_id});
        }
      }
      stack = ResolveStack(s->node_id, index, &out);
    }
    uint32_t size = static_cast<uint32_t>(std::min<size_t>(s->size, UINT32_MAX));
    added.push_back({s->sample_id, stack, size});
  }

  std::vector<uint64_t> freed;
  std::vector<Live> next;
  next.reserve(present.size());
  size_t j = 0;
  for (const Live& l : live_) {
    while (j < present.size() && present[j] < l.id) j++;
    if (j < present.size() && present[j] == l.id) {
      next.push_back(l);
    } else {
      freed.push_back(l.id);
      current_bytes_ -= Estimate(l.size);
    }
  }
  for (const NewSample& a : added) {
    next.push_back({a.id, a.stack, a.size});
    current_bytes_ += Estimate(a.size);
  }
  live_.swap(next);
  if (!fresh.empty()) max_seen_id_ = fresh.back()->sample_id;
  if (current_bytes_ < 0.5) current_bytes_ = 0;  // float drift
  peak_bytes_ = std::max(peak_bytes_, current_bytes_);
  allocs_ += added.size();
  frees_ += freed.size();
  batches_++;

  uint64_t now = Now();
  Encoder::Batch(now, added, freed, &out);
  MemoryInfo mem;
  size_t rss = 0;
  if (uv_resident_set_memory(&rss) == 0) mem.rss = rss;
  v8::HeapStatistics heap;
  isolate_->GetHeapStatistics(&heap);
  mem.heap_total = heap.total_heap_size();
  mem.heap_used = heap.used_heap_size();
  mem.external = heap.external_memory();
  Encoder::Memory(now, mem, &out);
  timeline_.push_back({now, current_bytes_, mem});
  if (timeline_.size() > kTimelinePoints) timeline_.pop_front();
  Emit(std::move(out));
  MaybeRotate(now);
}

uint32_t Tracer::ResolveFrame(const v8::AllocationProfile::Node* node, std::string* out) {
  auto known = node_frame_.find(node->node_id);
  if (known != node_frame_.end()) return known->second;
  FrameInfo f;
  f.function_name = ToUtf8(isolate_, node->name);
  f.script_name = ToUtf8(isolate_, node->script_name);
  f.line = Positive(node->line_number);
  f.column = Positive(node->column_number);
  f.builtin = node->script_id == v8::UnboundScript::kNoScriptId;
  uint32_t id = encoder_.InternFrame(f, out);
  node_frame_.emplace(node->node_id, id);
  return id;
}

uint32_t Tracer::ResolveStack(uint32_t node_id, const NodeIndex& index, std::string* out) {
  std::vector<uint32_t> frames;
  for (uint32_t id = node_id;;) {
    auto it = index.find(id);
    if (it == index.end() || it->second.parent_id == 0) break;  // the root has no frame
    frames.push_back(ResolveFrame(it->second.node, out));
    id = it->second.parent_id;
  }
  uint32_t stack = encoder_.InternStack(frames, out);
  node_stack_.emplace(node_id, stack);
  return stack;
}

void Tracer::PollAroundGc(bool gc) {
  Poll();
  if (!gc || !tracing_) return;
  isolate_->LowMemoryNotification();
  Poll();
}

void Tracer::Emit(std::string bytes) {
  if (!writer_ || bytes.empty()) return;
  if (!writer_->Append(std::move(bytes))) Fail(writer_->error());
}

void Tracer::Fail(const std::string& why) {
  if (!tracing_) return;
  fprintf(stderr, "alloctrace: %s; tracing is off, the app goes on\n", why.c_str());
  fflush(stderr);
  Halt();
}

void Tracer::Halt() {
  tracing_ = false;
  if (near_limit_hooked_) {
    isolate_->RemoveNearHeapLimitCallback(OnNearHeapLimit, 0);
    near_limit_hooked_ = false;
  }
  uv_timer_stop(timer_);
  isolate_->GetHeapProfiler()->StopSamplingHeapProfiler();
  if (writer_) {
    writer_->Close();
    chain_ = writer_->chain();
  }
  writer_.reset();
  live_.clear();
  node_stack_.clear();
  node_frame_.clear();
  current_bytes_ = 0;
}

void Tracer::Stop(bool gc, const std::string& marker) {
  if (!tracing_) return;
  PollAroundGc(gc);
  if (!tracing_) return;
  std::string out;
  if (!marker.empty()) Encoder::Marker(Now(), marker, gc, &out);
  Encoder::Trailer(Now(), allocs_, frees_, batches_, 0, &out);
  Emit(std::move(out));
  if (!tracing_) return;
  if (writer_) {
    writer_->Close();  // waits for the disk
    if (writer_->failed()) return Fail(writer_->error());
  }
  Halt();
}

void Tracer::Mark(const std::string& name, bool gc) {
  if (!tracing_) return;
  PollAroundGc(gc);
  std::string out;
  Encoder::Marker(Now(), name, gc, &out);
  Emit(std::move(out));
}

void Tracer::SwitchPrecise(bool on) {
  if (!tracing_) return;
  Poll();
  if (!tracing_) return;
  std::string out;
  PreciseSwitch which = on ? kPreciseOn : kPreciseOff;
  uint64_t now = Now();
  Encoder::Marker(now, on ? "precise-on" : "precise-off", false, &out, 0, which);
  Emit(std::move(out));
  AddEpoch(now, which);
}

void Tracer::AddEpoch(uint64_t time_ns, PreciseSwitch precise) {
  if (epochs_.size() >= kMaxEpochs) {
    // Merging away a plain epoch only makes older samples look newer to a
    // far older snapshot; dropping a switch would mislabel their mode, so
    // those go only when nothing else is left (and the base follows).
    auto plain = std::find_if(epochs_.begin(), epochs_.end(),
                              [](const Epoch& e) { return e.precise == kPreciseUnchanged; });
    if (plain == epochs_.end()) {
      epochs_precise_base_ = epochs_.front().precise == kPreciseOn;
      plain = epochs_.begin();
    }
    epochs_.erase(plain);
  }
  epochs_.push_back({time_ns, max_seen_id_, precise});
}

CensusResult Tracer::Census(bool gc, bool counts_only, const std::string& label, uint64_t* time_ns) {
  if (tracing_) Poll();
  CensusResult census = counts_only ? CountObjects(isolate_, census_results_) : TakeCensus(isolate_, gc, census_results_);
  *time_ns = 0;
  if (tracing_) {
    *time_ns = Now();
    std::string out;
    Encoder::Census(*time_ns, label, census, &out);
    Emit(std::move(out));
  }
  return census;
}

void Tracer::KeepCensusResult(v8::Local<v8::Array> entries) {
  census_results_.erase(std::remove_if(census_results_.begin(), census_results_.end(),
                                       [](const v8::Global<v8::Array>& g) { return g.IsEmpty(); }),
                        census_results_.end());
  census_results_.emplace_back(isolate_, entries);
  census_results_.back().SetWeak();  // reset by the GC once the app lets go of it
}

double Tracer::WriteFinding(uint32_t kind, const std::string& msg) {
  if (!tracing_ || !writer_) return -1;
  uint64_t now = Now();
  std::string out;
  if (!Encoder::Finding(kind, now, msg, &out)) return -1;
  Emit(std::move(out));
  return tracing_ ? static_cast<double>(now) : -1;
}

TracedMemory Tracer::Memory() {
  Poll();
  return {current_bytes_, peak_bytes_};
}

void Tracer::ClearTraces() {
  if (!tracing_) return;
  Poll();
  if (!tracing_) return;
  // The file forgets them too, so replaying it agrees with the snapshots.
  std::vector<uint64_t> freed;
  freed.reserve(live_.size());
  for (const Live& l : live_) freed.push_back(l.id);
  std::string out;
  Encoder::Batch(Now(), {}, freed, &out);
  Emit(std::move(out));
  frees_ += freed.size();
  cleared_up_to_ = max_seen_id_;
  live_.clear();
  current_bytes_ = 0;
  peak_bytes_ = 0;
}

std::string Tracer::Snapshot(bool gc) {
  if (!tracing_) return "";
  PollAroundGc(gc);
  if (!tracing_) return "";
  // Handed to JavaScript, never to the disk: no checksums (format 1).
  std::string out(kMagicUnchecked, sizeof(kMagicUnchecked));
  HeaderInfo header = options_.header;
  header.precise = epochs_precise_base_;
  Encoder::Header(header, &out);
  encoder_.AllDefinitions(&out);
  // The live set in one batch per epoch, each at the epoch's time (its
  // samples were first seen by then), with the precise switches between them.
  std::vector<NewSample> samples;
  size_t next = 0;
  auto take_up_to = [&](uint64_t last_id) {
    samples.clear();
    for (; next < live_.size() && live_[next].id <= last_id; next++) {
      samples.push_back({live_[next].id, live_[next].stack, live_[next].size});
    }
  };
  for (const Epoch& e : epochs_) {
    take_up_to(e.last_id);
    if (!samples.empty()) Encoder::Batch(e.time_ns, samples, {}, &out);
    if (e.precise != kPreciseUnchanged) {
      Encoder::Marker(e.time_ns, e.precise == kPreciseOn ? "precise-on" : "precise-off", false, &out, 0,
                      e.precise);
    }
  }
  take_up_to(UINT64_MAX);
  uint64_t now = Now();
  Encoder::Batch(now, samples, {}, &out);
  Encoder::Marker(now, "snapshot", gc, &out);
  // Later snapshots split here: what this one held is older than its time.
  AddEpoch(now, kPreciseUnchanged);
  return out;
}

void Tracer::Shutdown(void (*closed)(void*), void* arg) {
  // The isolate is still alive in environment cleanup, but JavaScript may
  // no longer run: keep what was polled, add nothing that needs a GC.
  if (tracing_) Stop(false, "");
  closed_ = closed;
  closed_arg_ = arg;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* handle) {
    Tracer* self = static_cast<Tracer*>(handle->data);
    delete reinterpret_cast<uv_timer_t*>(handle);
    if (self->closed_) self->closed_(self->closed_arg_);
    // An interrupt V8 has yet to run still points here: leave it (it is small).
    if (!self->interrupt_pending_) delete self;
  });
}

}  // namespace alloctrace
