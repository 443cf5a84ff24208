#include "journal/segment_source.h"

#include <algorithm>

#include "util/assert.h"

namespace ringdb::journal {

FileWindowSource::FileWindowSource(uint64_t window_bytes_min, uint64_t capacity_bytes_min)
    : window_bytes_min_(window_bytes_min),
      capacity_bytes_(std::max(capacity_bytes_min, 4 * window_bytes_min)) {
  RINGDB_ASSERT(window_bytes_min > 0);
}

Status FileWindowSource::Open(Env* env, const std::string& path, bool from_device) {
  file_.reset();
  path_ = path;
  size_bytes_ = 0;
  window_start_ = 0;
  window_end_ = 0;
  status_ = Status::OK();
  std::unique_ptr<ReadableFile> file;
  if (Status status =
          from_device ? env->OpenReadableFromDevice(path, &file) : env->OpenReadable(path, &file);
      !status.ok()) {
    return status;
  }
  Result<uint64_t> size = file->Size();
  if (!size.ok()) {
    return size.status();
  }
  if (*size > (uint64_t{1} << 40)) {
    return Status::Corruption("segment " + path + " is larger than 1 TiB");
  }
  file_ = std::move(file);
  size_bytes_ = *size;
  return Status::OK();
}

std::span<const std::byte> FileWindowSource::From(uint64_t offset) {
  if (!status_.ok() || file_ == nullptr || offset >= size_bytes_) {
    return {};
  }
  const uint64_t wanted_end = std::min(size_bytes_, offset + window_bytes_min_);
  if (offset < window_start_ || wanted_end > window_end_) {
    const uint64_t read_bytes = std::min(capacity_bytes_, size_bytes_ - offset);
    if (read_bytes > buffer_bytes_) {
      buffer_.reset(new std::byte[read_bytes]);  // Default-initialised: read over at once.
      buffer_bytes_ = read_bytes;
    }
    window_start_ = offset;
    window_end_ = offset;
    Result<uint64_t> got = file_->ReadAt(offset, std::span<std::byte>(buffer_.get(), read_bytes));
    if (!got.ok()) {
      status_ = Status::IOError("reading " + path_ + " at byte offset " + std::to_string(offset) +
                                ": " + got.status().ToString());
      return {};
    }
    window_end_ = offset + *got;
    if (*got < read_bytes) {
      size_bytes_ = window_end_;  // A file shrinking under a live reader is read as what remains.
    }
  }
  return std::span<const std::byte>(buffer_.get() + (offset - window_start_), window_end_ - offset);
}

}  // namespace ringdb::journal
