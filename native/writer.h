// Appends whole records to the trace file from a background thread, so the
// app's thread never waits on the disk. The thread also frames each record
// with its CRC32C (format 2) and switches to the next file when the tracer
// rotates. A failed write stops the writer for good; the sampler notices on
// its next poll and turns tracing off.
#pragma once
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace alloctrace {

// The files one requested name led to in this process: the name they are
// numbered from, the last number used, and the files this process created
// (the only ones rotation may delete). A restart into the same name goes on
// with the same chain.
struct FileChain {
  struct Created {
    std::string path;
    dev_t dev;
    ino_t ino;
  };
  std::string base;     // numbered as base.1.ext, base.2.ext, ...
  uint32_t suffix = 0;  // the last number used (0: base itself)
  std::string current;  // the file written last
  std::deque<Created> created;
};

// "trace.atrace", 3 → "trace.3.atrace" (the number goes before the extension).
std::string NumberedName(const std::string& base, uint32_t n);

class Writer {
 public:
  ~Writer();
  // Creates `path` exclusively (never following a symlink, mode 0600); if
  // the name is taken, `if_taken` (when given) or else the next free
  // numbered name. With `append`, adds to `chain.current` instead (a new
  // segment of this process's own trace), if it is still there and ours.
  // `keep`: files of the chain kept on disk when rotating (0: all). Returns
  // "" or why not.
  std::string Open(const std::string& path, const std::string& if_taken, bool append, FileChain chain,
                   uint32_t keep);
  // Queues bytes made of whole records, each prefixed by its varint length.
  // Returns false once the writer has failed or too much is waiting (the
  // disk cannot keep up).
  bool Append(std::string records);
  // From the next queued bytes on, writes to the chain's next numbered file,
  // which begins with the magic and `records`.
  bool Rotate(std::string records);
  // Bytes the current file holds once everything queued is written.
  uint64_t file_bytes() const { return file_bytes_; }
  // The file being written (a rotation changes it once the writer thread
  // reaches it).
  std::string path() const;
  // Waits until everything queued so far is on its way to the disk.
  void Flush();
  // Waits until everything queued is written, then closes the file.
  void Close();
  bool failed() const;
  std::string error() const;
  // After Close: the chain, for a restart into the same name.
  FileChain chain() const;

 private:
  struct Item {
    std::string records;
    bool rotate;
  };
  bool Queue(std::string records, bool rotate);
  void Run();
  // Writer thread: creates the chain's next file and retires the old one.
  std::string NextFile();
  // Exclusive create of the first free name from `base` numbered from `n`
  // on (n == 0: base itself first), trying `tries` names. Sets fd_ and the
  // chain; returns "", kTaken if every name tried exists, or why not.
  std::string CreateFrom(const std::string& base, uint32_t n, uint32_t tries);
  static const char kTaken[];

  static constexpr uint32_t kTries = 100000;
  static constexpr size_t kMaxQueuedBytes = 64u << 20;
  int fd_ = -1;
  FileChain chain_;  // the writer thread's, once it runs
  uint32_t keep_ = 0;
  std::string path_;         // the file being written (guarded by mu_)
  uint64_t file_bytes_ = 0;  // JS thread's count, framing included
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  bool open_ = false;  // between Open and Close (fd_ belongs to the writer thread)
  bool writing_ = false;
  std::deque<Item> queue_;
  size_t queued_bytes_ = 0;
  bool closing_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace alloctrace
