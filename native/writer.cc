#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoder.h"

namespace alloctrace {

namespace {

// Returns 0 or the errno of the failed write.
int WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

Writer::~Writer() { Close(); }

const char Writer::kFileExists[] = "EEXIST";

std::string Writer::Open(const std::string& path, bool append, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  if (exclusive && !append) flags |= O_EXCL;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == EEXIST && exclusive) return kFileExists;
  if (fd < 0) return "cannot open " + path + ": " + strerror(errno);
  struct stat st;
  bool has_magic = append && fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(sizeof(kMagic));
  int err = has_magic ? 0 : WriteAll(fd, kMagic, sizeof(kMagic));
  if (err != 0) {
    ::close(fd);
    return "cannot write " + path + ": " + strerror(err);
  }
  fd_ = fd;
  path_ = path;
  closing_ = false;
  failed_ = false;
  error_.clear();
  thread_ = std::thread([this] { Run(); });
  return "";
}

bool Writer::Append(std::string bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_ || fd_ < 0) return false;
  if (queued_bytes_ + bytes.size() > kMaxQueuedBytes) {
    failed_ = true;
    error_ = "the disk cannot keep up with " + path_ + " (64 MiB waiting)";
    return false;
  }
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  wake_.notify_one();
  return true;
}

void Writer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    std::string bytes = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    int err = failed_ ? 0 : WriteAll(fd_, bytes.data(), bytes.size());
    // Writing on into a file that was deleted fills the disk invisibly.
    struct stat st;
    bool removed = err == 0 && !failed_ && fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0;
    lock.lock();
    if (removed && !failed_) {
      failed_ = true;
      error_ = path_ + " was removed";
    }
    writing_ = false;
    queued_bytes_ -= bytes.size();
    if (queue_.empty()) drained_.notify_all();
    if (err != 0 && !failed_) {
      failed_ = true;
      error_ = "cannot write " + path_ + ": " + strerror(err);
    }
  }
}

void Writer::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (fd_ < 0) return;
  drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

void Writer::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return;
    closing_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  fd_ = -1;
}

bool Writer::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

std::string Writer::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace alloctrace
