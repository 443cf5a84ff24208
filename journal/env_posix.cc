// The POSIX Env: pread/pwrite on file descriptors, fdatasync/fsync, and flock() for the lock file.
// flock() rather than fcntl() locks because fcntl locks are per process: a second open of the same
// directory from the same process would silently succeed, and that is the mistake a lock file
// exists to catch.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ringdb/env.h"
#include "util/assert.h"

namespace ringdb {
namespace {

Status ErrnoStatus(std::string_view operation, const std::string& path, int error_number) {
  const char* name = strerrorname_np(error_number);
  const char* description = strerrordesc_np(error_number);
  std::string message(operation);
  message += " ";
  message += path;
  message += ": ";
  message += name != nullptr ? name : "errno " + std::to_string(error_number);
  message += " (";
  message += description != nullptr ? description : "unknown error";
  message += ")";
  if (error_number == EWOULDBLOCK && operation == "lock") {
    return Status::Busy(message + ": another process or Journal holds it");
  }
  return Status::IOError(message);
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { Close().PermitUnchecked(); }

  Result<uint64_t> WriteAt(uint64_t offset, std::span<const std::byte> data) override {
    RINGDB_ASSERT(fd_ >= 0);
    for (;;) {  // Bounded by EINTR only, which a signal handler must eventually stop delivering.
      const ssize_t written = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (written >= 0) {
        return static_cast<uint64_t>(written);
      }
      if (errno != EINTR) {
        return ErrnoStatus("write", path_, errno);
      }
    }
  }
  Status SyncData() override {
    RINGDB_ASSERT(fd_ >= 0);
    // Never retried on failure, not even on EINTR: after a failed fdatasync the kernel may have
    // marked the dirty pages clean, so a second call could report success for lost data.
    if (::fdatasync(fd_) != 0) {
      return ErrnoStatus("fdatasync", path_, errno);
    }
    return Status::OK();
  }
  Status SyncAll() override {
    RINGDB_ASSERT(fd_ >= 0);
    if (::fsync(fd_) != 0) {
      return ErrnoStatus("fsync", path_, errno);
    }
    return Status::OK();
  }
  Status Truncate(uint64_t size_bytes) override {
    RINGDB_ASSERT(fd_ >= 0);
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) {
      return ErrnoStatus("truncate", path_, errno);
    }
    return Status::OK();
  }
  Result<uint64_t> Size() const override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
      return ErrnoStatus("stat", path_, errno);
    }
    return static_cast<uint64_t>(info.st_size);
  }
  Status Close() override {
    if (fd_ < 0) {
      return Status::OK();
    }
    const int result = ::close(fd_);
    fd_ = -1;
    if (result != 0) {
      return ErrnoStatus("close", path_, errno);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
    uint64_t total = 0;
    while (total < out.size()) {  // Each pass reads >= 1 byte or ends the loop.
      const ssize_t got =
          ::pread(fd_, out.data() + total, out.size() - total, static_cast<off_t>(offset + total));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        return ErrnoStatus("read", path_, errno);
      }
      if (got == 0) {
        break;
      }
      total += static_cast<uint64_t>(got);
    }
    return total;
  }
  Result<uint64_t> Size() const override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
      return ErrnoStatus("stat", path_, errno);
    }
    return static_cast<uint64_t>(info.st_size);
  }

 private:
  std::string path_;
  int fd_;
};

// Reads through O_DIRECT, which needs the file offset, the length and the buffer aligned to the
// device's logical block size; 4096 covers every common device. Each read goes through an aligned
// bounce buffer: only recovery reads this way, a window of a few MiB at a time.
class PosixDeviceReadableFile final : public ReadableFile {
 public:
  static constexpr uint64_t kAlignment = 4096;

  PosixDeviceReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixDeviceReadableFile() override { ::close(fd_); }

  Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
    if (out.empty()) {
      return uint64_t{0};
    }
    if (offset % kAlignment == 0 && out.size() % kAlignment == 0 &&
        reinterpret_cast<uintptr_t>(out.data()) % kAlignment == 0) {
      return ReadAligned(offset, out);  // Straight into the caller's buffer.
    }
    const uint64_t begin = offset / kAlignment * kAlignment;
    const uint64_t end = (offset + out.size() + kAlignment - 1) / kAlignment * kAlignment;
    void* raw = nullptr;
    if (::posix_memalign(&raw, kAlignment, end - begin) != 0) {
      return Status::IOError("read " + path_ + ": cannot allocate an aligned buffer of " +
                             std::to_string(end - begin) + " bytes");
    }
    const std::unique_ptr<std::byte, decltype(&std::free)> buffer(static_cast<std::byte*>(raw),
                                                                  &std::free);
    Result<uint64_t> read = ReadAligned(begin, std::span<std::byte>(buffer.get(), end - begin));
    if (!read.ok()) {
      return read.status();
    }
    const uint64_t total = *read;
    const uint64_t skip = offset - begin;
    if (total <= skip) {
      return uint64_t{0};
    }
    const uint64_t copied = std::min<uint64_t>(total - skip, out.size());
    std::memcpy(out.data(), buffer.get() + skip, copied);
    return copied;
  }
  Result<uint64_t> Size() const override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
      return ErrnoStatus("stat", path_, errno);
    }
    return static_cast<uint64_t>(info.st_size);
  }

 private:
  // Reads whole blocks at a block-aligned offset into block-aligned memory; fewer bytes only at
  // the end of the file.
  Result<uint64_t> ReadAligned(uint64_t offset, std::span<std::byte> out) const {
    uint64_t total = 0;
    while (total < out.size()) {  // Each pass reads >= 1 block or ends the loop.
      const ssize_t got =
          ::pread(fd_, out.data() + total, out.size() - total, static_cast<off_t>(offset + total));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        return ErrnoStatus("direct read", path_, errno);
      }
      if (got == 0) {
        break;
      }
      total += static_cast<uint64_t>(got);
      if (total % kAlignment != 0) {
        break;  // A short read that is not a whole block ends at the end of the file.
      }
    }
    return total;
  }

  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override {
    if (out == nullptr) {
      return Status::InvalidArgument("Env::OpenWritable: file out-parameter is null");
    }
    out->reset();
    int flags = O_WRONLY | O_CLOEXEC;
    if (mode == OpenMode::kCreateOrOpen) {
      flags |= O_CREAT;
    } else if (mode == OpenMode::kCreateNew) {
      flags |= O_CREAT | O_EXCL;
    }
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) {
      return ErrnoStatus("open", path, errno);
    }
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    if (out == nullptr) {
      return Status::InvalidArgument("Env::OpenReadable: file out-parameter is null");
    }
    out->reset();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoStatus("open", path, errno);
    }
    *out = std::make_unique<PosixReadableFile>(path, fd);
    return Status::OK();
  }
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override {
    if (out == nullptr) {
      return Status::InvalidArgument("Env::OpenReadableFromDevice: file out-parameter is null");
    }
    out->reset();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (fd >= 0) {
      *out = std::make_unique<PosixDeviceReadableFile>(path, fd);
      return Status::OK();
    }
    if (errno != EINVAL) {
      return ErrnoStatus("open", path, errno);
    }
    // No O_DIRECT here (tmpfs, some FUSE file systems): drop the file's clean cached pages, which
    // is what a failed writeback leaves, so that the reads that follow come from the storage.
    Status status = OpenReadable(path, out);
    if (status.ok()) {
      const int fadvise_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fadvise_fd >= 0) {
        ::posix_fadvise(fadvise_fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fadvise_fd);
      }
    }
    return status;
  }
  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", path, errno);
    }
    return Status::OK();
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      return ErrnoStatus("opendir", path, errno);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name(entry->d_name);
      if (name != "." && name != "..") {
        names.emplace_back(name);
      }
    }
    ::closedir(dir);
    return names;
  }
  Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      return ErrnoStatus("unlink", path, errno);
    }
    return Status::OK();
  }
  Status DeleteDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) {
      return ErrnoStatus("rmdir", path, errno);
    }
    return Status::OK();
  }
  Status RenameFile(const std::string& source, const std::string& target) override {
    if (::rename(source.c_str(), target.c_str()) != 0) {
      return ErrnoStatus("rename", source + " -> " + target, errno);
    }
    return Status::OK();
  }
  Status SyncDir(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return ErrnoStatus("open", path, errno);
    }
    const int result = ::fsync(fd);
    const int error_number = errno;
    ::close(fd);
    if (result != 0) {
      return ErrnoStatus("fsync directory", path, error_number);
    }
    return Status::OK();
  }
  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override {
    if (out == nullptr) {
      return Status::InvalidArgument("Env::LockFile: lock out-parameter is null");
    }
    out->reset();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return ErrnoStatus("open", path, errno);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error_number = errno;
      ::close(fd);
      return ErrnoStatus("lock", path, error_number);
    }
    *out = std::make_unique<PosixFileLock>(fd);
    return Status::OK();
  }
};

}  // namespace

Env* Env::Default() {
  // Never destroyed: files may outlive static destruction order in a user's program.
  static Env* const env = new PosixEnv();
  return env;
}

Status WriteFully(WritableFile* file, uint64_t offset, std::span<const std::byte> data) {
  RINGDB_ASSERT(file != nullptr);
  uint64_t done = 0;
  while (done < data.size()) {  // Bounded: each pass writes >= 1 byte or returns.
    Result<uint64_t> written = file->WriteAt(offset + done, data.subspan(done));
    if (!written.ok()) {
      return written.status();
    }
    RINGDB_ASSERT(*written > 0);
    RINGDB_ASSERT(*written <= data.size() - done);
    done += *written;
  }
  return Status::OK();
}

bool IsNoSpace(const Status& status) {
  return status.IsIOError() && status.message().find("ENOSPC") != std::string_view::npos;
}

}  // namespace ringdb
