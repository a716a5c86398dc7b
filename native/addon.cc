// The JavaScript surface of the tracer (see src/native.ts for its types).
// Errors come back as strings, never as exceptions: the caller decides how
// to warn, and nothing thrown here can reach the traced app.
#include <napi.h>
#include <node_api.h>
#include <node_version.h>
#include <uv.h>
#include <v8.h>

#include <cstring>
#include <string>

#include "tracer.h"

namespace alloctrace {
namespace {

Tracer* From(const Napi::CallbackInfo& info) { return static_cast<Tracer*>(info.Data()); }

uint32_t UintOption(const Napi::Object& o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return fallback;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 4294967295.0) return 0;  // rejected by Tracer::Start
  return static_cast<uint32_t>(d);
}

std::string StringOption(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return Napi::String::New(env, "start() takes an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  TracerOptions options;
  options.file = StringOption(o, "file");
  options.if_taken = StringOption(o, "ifTaken");
  Napi::Value max_bytes = o.Get("maxBytes");
  if (max_bytes.IsNumber() && max_bytes.As<Napi::Number>().DoubleValue() >= 0) {
    options.max_bytes = static_cast<uint64_t>(max_bytes.As<Napi::Number>().DoubleValue());
  }
  options.keep = UintOption(o, "keep", 0);
  options.interval = UintOption(o, "interval", 512 * 1024);
  options.depth = UintOption(o, "depth", 64);
  options.poll_ms = UintOption(o, "pollMs", 1000);
  HeaderInfo& h = options.header;
  h.pid = UintOption(o, "pid", 0);
  h.thread_id = UintOption(o, "threadId", 0);
  h.hostname = StringOption(o, "hostname");
  if (h.hostname.empty()) {
    char name[UV_MAXHOSTNAMESIZE];
    size_t size = sizeof(name);
    if (uv_os_gethostname(name, &size) == 0) h.hostname.assign(name, size);
  }
  h.node_version = StringOption(o, "nodeVersion");
  h.v8_version = v8::V8::GetVersion();
  h.precise = o.Get("precise").ToBoolean().Value();
  h.cwd = StringOption(o, "cwd");
  h.tracer_dir = StringOption(o, "tracerDir");
  Napi::Value argv = o.Get("argv");
  if (argv.IsArray()) {
    Napi::Array a = argv.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value arg = a.Get(i);
      if (arg.IsString()) h.argv.push_back(arg.As<Napi::String>().Utf8Value());
    }
  }
  std::string err = From(info)->Start(options);
  if (err.empty()) return env.Undefined();
  return Napi::String::New(env, err);
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  bool gc = info.Length() > 0 && info[0].ToBoolean().Value();
  std::string marker = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  From(info)->Stop(gc, marker);
  return info.Env().Undefined();
}

Napi::Value IsTracing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), From(info)->tracing());
}

Napi::Value Mark(const Napi::CallbackInfo& info) {
  std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "mark";
  bool gc = info.Length() > 1 && info[1].ToBoolean().Value();
  From(info)->Mark(name, gc);
  return info.Env().Undefined();
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  TracedMemory m = From(info)->Memory();
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), m.current));
  out.Set(1u, Napi::Number::New(info.Env(), m.peak));
  return out;
}

Napi::Value ResetPeak(const Napi::CallbackInfo& info) {
  From(info)->ResetPeak();
  return info.Env().Undefined();
}

Napi::Value ClearTraces(const Napi::CallbackInfo& info) {
  From(info)->ClearTraces();
  return info.Env().Undefined();
}

Napi::Value Snapshot(const Napi::CallbackInfo& info) {
  bool gc = info.Length() > 0 && info[0].ToBoolean().Value();
  std::string bytes = From(info)->Snapshot(gc);
  if (bytes.empty()) return info.Env().Undefined();
  return Napi::Buffer<char>::Copy(info.Env(), bytes.data(), bytes.size());
}

// (gc, label, countsOnly) -> {entries: [{type, name, count, size}], countsOnly, gcForced, gcNs, pauseNs, timeNs}.
Napi::Value Census(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool gc = info.Length() > 0 && info[0].ToBoolean().Value();
  std::string label = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "census";
  bool counts_only = info.Length() > 2 && info[2].ToBoolean().Value();
  uint64_t time_ns = 0;
  CensusResult census = From(info)->Census(gc, counts_only, label, &time_ns);
  Napi::Array entries = Napi::Array::New(env, census.entries.size());
  uint32_t i = 0;
  for (const CensusEntry& e : census.entries) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", Napi::String::New(env, e.type));
    o.Set("name", Napi::String::New(env, e.name));
    o.Set("count", Napi::Number::New(env, static_cast<double>(e.count)));
    o.Set("size", Napi::Number::New(env, static_cast<double>(e.size)));
    entries.Set(i++, o);
  }
  // Node's napi_value is a v8::Local's slot (node_api's
  // V8LocalValueFromJsValue): this addon is built per ABI anyway.
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is a v8::Local");
  napi_value raw = entries;
  v8::Local<v8::Value> array;
  memcpy(static_cast<void*>(&array), &raw, sizeof(raw));
  From(info)->KeepCensusResult(array.As<v8::Array>());
  Napi::Object out = Napi::Object::New(env);
  out.Set("entries", entries);
  out.Set("countsOnly", Napi::Boolean::New(env, census.counts_only));
  out.Set("gcForced", Napi::Boolean::New(env, census.gc_forced));
  out.Set("gcNs", Napi::Number::New(env, static_cast<double>(census.gc_ns)));
  out.Set("pauseNs", Napi::Number::New(env, static_cast<double>(census.pause_ns)));
  out.Set("timeNs", Napi::Number::New(env, static_cast<double>(time_ns)));
  return out;
}

// (kind, bytes of the message without its time) -> ns since the trace's start, or -1 if not written.
Napi::Value WriteFinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray()) return Napi::Number::New(env, -1);
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  std::string msg(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  return Napi::Number::New(env, From(info)->WriteFinding(info[0].As<Napi::Number>().Uint32Value(), msg));
}

Napi::Value File(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), From(info)->file());
}

Napi::Value TracebackLimit(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), From(info)->depth());
}


// [[timeMs, tracedBytes, rss, heapUsed, heapTotal, external], ...], oldest first.
Napi::Value Timeline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& points = From(info)->timeline();
  Napi::Array out = Napi::Array::New(env, points.size());
  uint32_t i = 0;
  for (const TimelinePoint& p : points) {
    Napi::Array row = Napi::Array::New(env, 6);
    row.Set(0u, Napi::Number::New(env, static_cast<double>(p.time_ns) / 1e6));
    row.Set(1u, Napi::Number::New(env, p.traced));
    row.Set(2u, Napi::Number::New(env, static_cast<double>(p.memory.rss)));
    row.Set(3u, Napi::Number::New(env, static_cast<double>(p.memory.heap_used)));
    row.Set(4u, Napi::Number::New(env, static_cast<double>(p.memory.heap_total)));
    row.Set(5u, Napi::Number::New(env, static_cast<double>(p.memory.external)));
    out.Set(i++, row);
  }
  return out;
}

// Precise mode: no inlining in any optimizing compiler the running V8 has
// (TurboFan everywhere; Maglev, which is on by default from Node 24 and
// inlines too; the flag exists, harmlessly, on 20 and 22). One flag per call:
// V8 14 (Node 26) applies only the first flag of a string set from C++.
// Set here because loading node:v8 to do it would cost the preload ~30 M
// instructions.
Napi::Value DisableInlining(const Napi::CallbackInfo& info) {
  v8::V8::SetFlagsFromString("--no-turbo-inlining");
  v8::V8::SetFlagsFromString("--no-maglev-inlining");
  return info.Env().Undefined();
}

// Back out of precise mode, for code compiled from now on (the flags are the
// process's: every thread's later compiles follow them).
Napi::Value EnableInlining(const Napi::CallbackInfo& info) {
  v8::V8::SetFlagsFromString("--turbo-inlining");
  v8::V8::SetFlagsFromString("--maglev-inlining");
  return info.Env().Undefined();
}

Napi::Value SwitchPrecise(const Napi::CallbackInfo& info) {
  From(info)->SwitchPrecise(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// Whether this is the process's main thread (Workers run their own loops):
// answered here so that the preload need not load node:worker_threads.
Napi::Value IsMainThread(const Napi::CallbackInfo& info) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(info.Env(), &loop);
  return Napi::Boolean::New(info.Env(), loop == uv_default_loop());
}

// An async cleanup hook, because the tracer's libuv timer must be closed
// (and its close callback run) before a Worker's loop is closed.
void OnCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  Tracer* tracer = static_cast<Tracer*>(arg);
  tracer->Shutdown([](void* h) {
    napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h));
  }, handle);
}

// A build for another Node.js ABI (a local build left from an earlier Node.js)
// loads, since N-API registration does not check, but the V8 C++ API it uses
// differs: the first call could crash the app. Checked with N-API calls only.
std::string AbiMismatch(Napi::Env env) {
  Napi::Value process = env.Global().Get("process");
  Napi::Value versions = process.IsObject() ? process.As<Napi::Object>().Get("versions") : env.Undefined();
  Napi::Value modules = versions.IsObject() ? versions.As<Napi::Object>().Get("modules") : env.Undefined();
  std::string running = modules.IsString() ? modules.As<Napi::String>().Utf8Value() : "unknown";
  std::string built = std::to_string(NODE_MODULE_VERSION);
  if (running == built) return "";
  return "it was built for another Node.js (NODE_MODULE_VERSION " + built + ", this one is " + running + ")";
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  std::string mismatch = AbiMismatch(env);
  if (!mismatch.empty()) {
    exports.Set("abiMismatch", Napi::String::New(env, mismatch));
    return exports;
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  Tracer* tracer = new Tracer(v8::Isolate::GetCurrent(), loop);
  napi_add_async_cleanup_hook(env, OnCleanup, tracer, nullptr);
  auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, fn, name, tracer));
  };
  add("start", Start);
  add("stop", Stop);
  add("isTracing", IsTracing);
  add("mark", Mark);
  add("memory", Memory);
  add("resetPeak", ResetPeak);
  add("clearTraces", ClearTraces);
  add("snapshot", Snapshot);
  add("census", Census);
  add("writeFinding", WriteFinding);
  add("tracebackLimit", TracebackLimit);
  add("file", File);
  add("timeline", Timeline);
  add("isMainThread", IsMainThread);
  add("disableInlining", DisableInlining);
  add("enableInlining", EnableInlining);
  add("switchPrecise", SwitchPrecise);
  return exports;
}

}  // namespace
}  // namespace alloctrace

static Napi::Object InitAlloctrace(Napi::Env env, Napi::Object exports) {
  return alloctrace::Init(env, exports);
}

NODE_API_MODULE(alloctrace, InitAlloctrace)
