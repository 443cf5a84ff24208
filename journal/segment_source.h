// SegmentSource: the bytes of one segment, as SegmentReader walks them.
//
// A reader asks for the bytes from an offset on and gets either everything up to the end of the
// segment or at least window_bytes_min() of it, which is one whole record of the largest size the
// journal accepts. So a record that does not fit in what From() returned is really cut short by
// the end of the file, never by the window.
//
// FileWindowSource reads a file through one reused buffer of a few MiB instead of loading the
// whole segment: on the machines this runs on, first-touching a fresh buffer costs about 3 ms per
// MiB (page faults in a virtual machine), so loading a 64 MiB segment into new memory took 210 ms
// where reading it through a warm 4 MiB window takes under 10 ms. MemorySource serves bytes
// already in memory (tests, fuzzers).
//
// Thread safety: not thread-safe. Lifetimes: a span returned by From() is valid until the next
// call to From() or Open().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb::journal {

class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  // The bytes from `offset` to the end of the segment, or at least window_bytes_min() of them.
  // Empty at or past the end, and after a read error (the owner reports it).
  virtual std::span<const std::byte> From(uint64_t offset) = 0;
  // The segment's size; it shrinks if a read finds the file shorter than when it was opened.
  virtual uint64_t size_bytes() const = 0;
  virtual uint64_t window_bytes_min() const = 0;
};

class MemorySource final : public SegmentSource {
 public:
  explicit MemorySource(std::span<const std::byte> bytes = {}) : bytes_(bytes) {}
  std::span<const std::byte> From(uint64_t offset) override {
    return offset >= bytes_.size() ? std::span<const std::byte>() : bytes_.subspan(offset);
  }
  uint64_t size_bytes() const override { return bytes_.size(); }
  uint64_t window_bytes_min() const override { return UINT64_MAX; }  // Always to the end.

 private:
  std::span<const std::byte> bytes_;
};

class FileWindowSource final : public SegmentSource {
 public:
  // window_bytes_min: the largest record (header included) a reader must see whole. The buffer
  // holds the larger of capacity_bytes_min and four windows, so that each refill moves the scan
  // at least three windows past the overlap it reads again.
  static constexpr uint64_t kCapacityBytesMinDefault = uint64_t{4} << 20;
  explicit FileWindowSource(uint64_t window_bytes_min,
                            uint64_t capacity_bytes_min = kCapacityBytesMinDefault);

  // Opens `path` for reading; the buffer is kept from one file to the next. from_device reads
  // what the storage holds, bypassing the page cache (Env::OpenReadableFromDevice).
  Status Open(Env* env, const std::string& path, bool from_device = false);
  std::span<const std::byte> From(uint64_t offset) override;
  uint64_t size_bytes() const override { return size_bytes_; }
  uint64_t window_bytes_min() const override { return window_bytes_min_; }
  // The first read error since Open, naming the file and offset; OK otherwise.
  const Status& status() const { return status_; }

 private:
  const uint64_t window_bytes_min_;
  const uint64_t capacity_bytes_;  // Buffer size: a few windows, so a refill moves far ahead.
  std::unique_ptr<ReadableFile> file_;
  std::string path_;
  uint64_t size_bytes_ = 0;
  // Allocated on first use without zero-filling, at most the largest file's size.
  std::unique_ptr<std::byte[]> buffer_;
  uint64_t buffer_bytes_ = 0;
  // The file range the buffer holds: [window_start_, window_end_).
  uint64_t window_start_ = 0;
  uint64_t window_end_ = 0;
  Status status_;
};

}  // namespace ringdb::journal
