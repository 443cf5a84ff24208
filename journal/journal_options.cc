#include "journal/journal_options.h"

#include <string>

#include "journal/record_format.h"

namespace ringdb::journal {
namespace {

Status Invalid(const std::string& message) { return Status::InvalidArgument(message); }

}  // namespace

const char* SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kFdatasync:
      return "fdatasync";
    case SyncMode::kNoSyncNotDurable:
      return "no-sync-NOT-DURABLE";
  }
  return "invalid";
}

const char* RecoveryModeName(RecoveryMode mode) {
  switch (mode) {
    case RecoveryMode::kAbsoluteConsistency:
      return "absolute-consistency";
    case RecoveryMode::kTolerateTornTail:
      return "tolerate-torn-tail";
    case RecoveryMode::kPointInTime:
      return "point-in-time";
    case RecoveryMode::kSkipCorrupted:
      return "skip-corrupted";
  }
  return "invalid";
}

Status JournalOptions::Validate() const {
  constexpr uint64_t kGroupOverheadBytes =
      uint64_t{format::kRecordHeaderBytes} + format::kSegmentHeaderRecordBytes;
  if (record_bytes_max > format::kRecordBytesLimit) {
    return Invalid("record_bytes_max must be at most 1 GiB (" +
                   std::to_string(format::kRecordBytesLimit) + "), not " +
                   std::to_string(record_bytes_max));
  }
  if (group_bytes_max < record_bytes_max + kGroupOverheadBytes) {
    return Invalid("group_bytes_max must be at least record_bytes_max + " +
                   std::to_string(kGroupOverheadBytes) + " (" +
                   std::to_string(record_bytes_max + kGroupOverheadBytes) + "), not " +
                   std::to_string(group_bytes_max));
  }
  constexpr uint64_t kSegmentOverheadBytes =
      uint64_t{format::kSegmentHeaderRecordBytes} + format::kEndMarkerBytes;
  if (segment_size_bytes_max < group_bytes_max + kSegmentOverheadBytes) {
    return Invalid("segment_size_bytes_max must be at least group_bytes_max + " +
                   std::to_string(kSegmentOverheadBytes) + " (" +
                   std::to_string(group_bytes_max + kSegmentOverheadBytes) + "), not " +
                   std::to_string(segment_size_bytes_max));
  }
  if (segment_size_bytes_max > (uint64_t{1} << 40)) {
    return Invalid("segment_size_bytes_max must be at most 1 TiB, not " +
                   std::to_string(segment_size_bytes_max));
  }
  if (segment_size_bytes_min > segment_size_bytes_max) {
    return Invalid("segment_size_bytes_min must be 0 or at most segment_size_bytes_max (" +
                   std::to_string(segment_size_bytes_max) + "), not " +
                   std::to_string(segment_size_bytes_min));
  }
  if (static_cast<uint8_t>(sync_mode) > static_cast<uint8_t>(SyncMode::kNoSyncNotDurable)) {
    return Invalid("sync_mode is not a SyncMode value");
  }
  if (static_cast<uint8_t>(recovery_mode) > static_cast<uint8_t>(RecoveryMode::kSkipCorrupted)) {
    return Invalid("recovery_mode is not a RecoveryMode value");
  }
  if (prewritten_segments > 16) {
    return Invalid("prewritten_segments must be at most 16, not " +
                   std::to_string(prewritten_segments));
  }
  return Status::OK();
}

}  // namespace ringdb::journal
