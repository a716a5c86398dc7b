// Appends whole records to the trace file from a background thread, so the
// app's thread never waits on the disk. A failed write stops the writer for
// good; the sampler notices on its next poll and turns tracing off.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace alloctrace {

class Writer {
 public:
  ~Writer();
  // Creates (truncates) the file and writes the magic; with `append`, adds to
  // an existing trace instead (a new segment); with `exclusive`, fails with
  // kFileExists if the file is there already. Returns "" or why not.
  std::string Open(const std::string& path, bool append, bool exclusive);
  static const char kFileExists[];
  // Queues bytes made of whole records. Returns false once the writer has
  // failed or too much is waiting (the disk cannot keep up).
  bool Append(std::string bytes);
  // Waits until everything queued so far is on its way to the disk.
  void Flush();
  // Waits until everything queued is written, then closes the file.
  void Close();
  bool failed() const;
  std::string error() const;

 private:
  void Run();

  static constexpr size_t kMaxQueuedBytes = 64u << 20;
  int fd_ = -1;
  std::string path_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  bool writing_ = false;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool closing_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace alloctrace
