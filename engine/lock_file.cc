#include "engine/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/assert.h"

namespace ringdb {

LockFile::~LockFile() { Release(); }

Status LockFile::Acquire(const std::string& path) {
  RINGDB_ASSERT(fd_ < 0);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Status::Busy("database is in use: " + path +
                          " is locked by another engine (in this or another process)");
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(error));
  }
  fd_ = fd;
  return Status::OK();
}

void LockFile::Release() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace ringdb
