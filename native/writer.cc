#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
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

// Reads the varint length prefix at data[p]; false if it is malformed or
// runs past the end. `*header` gets its size in bytes.
bool RecordLength(const std::string& data, size_t p, uint64_t* length, size_t* header) {
  uint64_t len = 0;
  for (size_t i = 0; i < 10 && p + i < data.size(); i++) {
    uint8_t b = static_cast<uint8_t>(data[p + i]);
    len |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *length = len;
      *header = i + 1;
      return p + i + 1 + len <= data.size();
    }
  }
  return false;
}

// Bytes `records` take in a format-2 file: each record gains a 4-byte CRC.
uint64_t FramedSize(const std::string& records) {
  uint64_t count = 0;
  size_t p = 0;
  uint64_t len;
  size_t header;
  while (p < records.size() && RecordLength(records, p, &len, &header)) {
    p += header + len;
    count++;
  }
  return records.size() + 4 * count;
}

// Format 2 framing: every record (varint length + body) is followed by the
// CRC32C of those bytes, little-endian. False if `records` is not made of
// whole records (a bug: the encoder only appends whole ones).
bool AddChecksums(const std::string& records, std::string* out) {
  out->clear();
  out->reserve(FramedSize(records));
  size_t p = 0;
  while (p < records.size()) {
    uint64_t len;
    size_t header;
    if (!RecordLength(records, p, &len, &header)) return false;
    size_t size = header + len;
    out->append(records, p, size);
    uint32_t crc = Crc32c(records.data() + p, size);
    char le[4] = {static_cast<char>(crc), static_cast<char>(crc >> 8), static_cast<char>(crc >> 16),
                  static_cast<char>(crc >> 24)};
    out->append(le, 4);
    p += size;
  }
  return true;
}

// Opens `path` to append a new segment if it is this process's own trace:
// the file `chain` created (same device and inode, never a symlink) and
// still starting with the format-2 magic. -1 otherwise.
int OpenOwnTrace(const FileChain& chain, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  char magic[sizeof(kMagic)];
  bool ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              pread(fd, magic, sizeof(magic), 0) == static_cast<ssize_t>(sizeof(magic)) &&
              memcmp(magic, kMagic, sizeof(magic)) == 0;
  bool created = false;
  for (const auto& c : chain.created) created |= c.path == path && c.dev == st.st_dev && c.ino == st.st_ino;
  if (ours && created) return fd;
  ::close(fd);
  return -1;
}

}  // namespace

std::string NumberedName(const std::string& base, uint32_t n) {
  // As path.extname: the last dot of the last component, unless it leads it.
  size_t slash = base.rfind('/');
  size_t name = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = base.rfind('.');
  std::string number = "." + std::to_string(n);
  if (dot == std::string::npos || dot <= name) return base + number;
  return base.substr(0, dot) + number + base.substr(dot);
}

Writer::~Writer() { Close(); }

const char Writer::kTaken[] = "taken";

std::string Writer::CreateFrom(const std::string& base, uint32_t n, uint32_t tries_left) {
  for (; tries_left > 0; tries_left--, n++) {
    std::string name = n == 0 ? base : NumberedName(base, n);
    // O_EXCL: never an existing file, and (like O_NOFOLLOW) never through a symlink.
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return "cannot open " + name + ": " + strerror(errno);
    int err = WriteAll(fd, kMagic, sizeof(kMagic));
    struct stat st;
    if (err == 0 && fstat(fd, &st) != 0) err = errno;
    if (err != 0) {
      ::close(fd);
      return "cannot write " + name + ": " + strerror(err);
    }
    fd_ = fd;
    chain_.base = base;
    chain_.suffix = n;
    chain_.current = name;
    chain_.created.push_back({name, st.st_dev, st.st_ino});
    return "";
  }
  return kTaken;
}

std::string Writer::Open(const std::string& path, const std::string& if_taken, bool append, FileChain chain,
                         uint32_t keep) {
  keep_ = keep;
  chain_ = std::move(chain);
  file_bytes_ = sizeof(kMagic);
  if (append && !chain_.current.empty()) {
    fd_ = OpenOwnTrace(chain_, chain_.current);
    struct stat st;
    if (fd_ >= 0 && fstat(fd_, &st) == 0) file_bytes_ = static_cast<uint64_t>(st.st_size);
  }
  if (fd_ < 0) {
    if (!append) chain_ = FileChain();
    // The name itself if it is free; else the sibling's name run asked for,
    // or the next free number.
    std::string err = CreateFrom(path, 0, 1);
    if (err == kTaken) err = if_taken.empty() ? CreateFrom(path, 1, kTries) : CreateFrom(if_taken, 0, kTries);
    if (err == kTaken) err = "no free file name from " + path + " (tried " + std::to_string(kTries) + ")";
    if (!err.empty()) return err;
  }
  path_ = chain_.current;
  open_ = true;
  closing_ = false;
  failed_ = false;
  error_.clear();
  thread_ = std::thread([this] { Run(); });
  return "";
}

bool Writer::Queue(std::string records, bool rotate) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_ || !open_) return false;
  size_t size = records.size() + (rotate ? sizeof(kMagic) : 0);
  if (queued_bytes_ + size > kMaxQueuedBytes) {
    failed_ = true;
    error_ = "the disk cannot keep up with " + path_ + " (64 MiB waiting)";
    return false;
  }
  uint64_t framed = FramedSize(records);
  file_bytes_ = rotate ? sizeof(kMagic) + framed : file_bytes_ + framed;
  queued_bytes_ += size;
  queue_.push_back({std::move(records), rotate});
  wake_.notify_one();
  return true;
}

bool Writer::Append(std::string records) {
  if (records.empty()) return true;
  return Queue(std::move(records), false);
}

bool Writer::Rotate(std::string records) { return Queue(std::move(records), true); }

std::string Writer::NextFile() {
  int old = fd_;
  fd_ = -1;
  std::string err = CreateFrom(chain_.base, chain_.suffix + 1, kTries);
  if (err == kTaken) err = "no free file name after " + chain_.current;
  if (!err.empty()) {
    fd_ = old;
    return err;
  }
  ::close(old);
  {
    std::lock_guard<std::mutex> lock(mu_);
    path_ = chain_.current;
  }
  // Bounded disk: the oldest files this process created go, and only those
  // (same inode as created: a file put at that name since is not ours).
  while (keep_ > 0 && chain_.created.size() > keep_) {
    const FileChain::Created& c = chain_.created.front();
    struct stat st;
    if (lstat(c.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == c.dev && st.st_ino == c.ino) {
      ::unlink(c.path.c_str());
    }
    chain_.created.pop_front();
  }
  return "";
}

void Writer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  std::string framed;
  for (;;) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    Item item = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    bool failed = failed_;
    lock.unlock();
    std::string why;
    if (!failed && item.rotate) why = NextFile();
    if (!failed && why.empty() && !AddChecksums(item.records, &framed)) why = "internal error: a partial record";
    int err = failed || !why.empty() ? 0 : WriteAll(fd_, framed.data(), framed.size());
    // Writing on into a file that was deleted fills the disk invisibly.
    struct stat st;
    bool removed = !failed && why.empty() && err == 0 && fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) &&
                   st.st_nlink == 0;
    lock.lock();
    if (!failed_ && !why.empty()) {
      failed_ = true;
      error_ = why;
    }
    if (removed && !failed_) {
      failed_ = true;
      error_ = path_ + " was removed";
    }
    writing_ = false;
    queued_bytes_ -= item.records.size() + (item.rotate ? sizeof(kMagic) : 0);
    if (queue_.empty()) drained_.notify_all();
    if (err != 0 && !failed_) {
      failed_ = true;
      error_ = "cannot write " + path_ + ": " + strerror(err);
    }
  }
}

void Writer::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return;
  drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

void Writer::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return;
    open_ = false;
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

std::string Writer::path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return path_;
}

FileChain Writer::chain() const { return chain_; }

}  // namespace alloctrace
