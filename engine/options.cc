#include "ringdb/options.h"

#include <string>

#include "engine/journal_options_for.h"
#include "engine/ring_options_for.h"
#include "engine/txn_format.h"

namespace ringdb {

namespace {

Status OutOfRange(const char* field, uint64_t value, const char* range) {
  return Status::InvalidArgument(std::string(field) + " = " + std::to_string(value) +
                                 " is out of range: must be " + range);
}

// The ring's own geometry checks, naming this struct's fields; then the whole ring the engine
// derives, so that Open never meets a ring the ring refuses.
Status ValidateRing(const Options& options) {
  if (options.ring_slot_count < 2) {
    return OutOfRange("ring_slot_count", options.ring_slot_count, "a power of two, at least 2");
  }
  Status status = ValidateRingGeometry(options.ring_slot_count, options.ring_chunk_count,
                                       "ring_slot_count", "ring_chunk_count");
  if (!status.ok()) {
    return status;
  }
  if (static_cast<uint8_t>(options.wait_strategy) > static_cast<uint8_t>(WaitStrategy::kBlocking)) {
    return OutOfRange("wait_strategy", static_cast<uint8_t>(options.wait_strategy),
                      "one of the WaitStrategy values");
  }
  status = RingOptionsFor(options).Validate();
  if (!status.ok()) {
    return Status::InvalidArgument("the ring these options give is refused: " +
                                   std::string(status.message()));
  }
  return Status::OK();
}

Status ValidateLimits(const Options& options) {
  const uint64_t ring_bytes =
      options.ring_slot_count * options.ring_chunk_count * kRingChunkSizeBytes;
  if (options.key_bytes_max < 1 || options.key_bytes_max > txn::kKeyBytesLimit) {
    return OutOfRange("key_bytes_max", options.key_bytes_max, "in [1, 1048576]");
  }
  if (options.transaction_bytes_max < kTransactionBytesMin ||
      options.transaction_bytes_max > ring_bytes / 2) {
    return Status::InvalidArgument(
        "transaction_bytes_max = " + std::to_string(options.transaction_bytes_max) +
        " is out of range: must be in [" + std::to_string(kTransactionBytesMin) + ", " +
        std::to_string(ring_bytes / 2) +
        "], half the ring's bytes (ring_slot_count * ring_chunk_count * 32)");
  }
  if (options.value_bytes_max > options.transaction_bytes_max) {
    return OutOfRange("value_bytes_max", options.value_bytes_max, "at most transaction_bytes_max");
  }
  return Status::OK();
}

Status ValidateJournal(const Options& options) {
  if (options.journal_segment_bytes_max < (uint64_t{1} << 20) ||
      options.journal_segment_bytes_max > (uint64_t{4} << 30)) {
    return OutOfRange("journal_segment_bytes_max", options.journal_segment_bytes_max,
                      "in [1048576, 4294967296]");
  }
  if (options.journal_segment_bytes_max < uint64_t{4} * options.transaction_bytes_max) {
    return Status::InvalidArgument(
        "journal_segment_bytes_max = " + std::to_string(options.journal_segment_bytes_max) +
        " must be at least four times transaction_bytes_max = " +
        std::to_string(options.transaction_bytes_max) +
        ", so that a group commit of whole transactions fits a segment");
  }
  if (static_cast<uint8_t>(options.sync_mode) > static_cast<uint8_t>(SyncMode::kNoSyncNotDurable)) {
    return OutOfRange("sync_mode", static_cast<uint8_t>(options.sync_mode),
                      "one of the SyncMode values");
  }
  if (static_cast<uint8_t>(options.recovery_mode) >
      static_cast<uint8_t>(RecoveryMode::kSkipCorrupted)) {
    return OutOfRange("recovery_mode", static_cast<uint8_t>(options.recovery_mode),
                      "one of the RecoveryMode values");
  }
  if (options.recovery_mode == RecoveryMode::kSkipCorrupted) {
    return Status::InvalidArgument(
        "recovery_mode = kSkipCorrupted cannot open an engine: writing after a skipped record "
        "would make its loss permanent. Salvage a damaged journal offline with "
        "`ringdb recover --mode skip-corrupted <path>`, then open with kTolerateTornTail");
  }
  if (options.journal_prewritten_segments > 16) {
    return OutOfRange("journal_prewritten_segments", options.journal_prewritten_segments,
                      "in [0, 16]");
  }
  if (options.checkpoint_journal_bytes < (uint64_t{1} << 20) ||
      options.checkpoint_journal_bytes > (uint64_t{1} << 40)) {
    return OutOfRange("checkpoint_journal_bytes", options.checkpoint_journal_bytes,
                      "in [1048576, 1099511627776]");
  }
  // The journal's own checks on what the engine derives (before any OPTIONS file raises the
  // record floor, which Engine::Open checks against the database: CheckStoredOptions).
  const Status journal = JournalOptionsFor(options, 0).Validate();
  if (!journal.ok()) {
    return Status::InvalidArgument(
        "the journal options derived from journal_segment_bytes_max and transaction_bytes_max "
        "are refused: " +
        std::string(journal.message()));
  }
  return Status::OK();
}

}  // namespace

Status Options::Validate() const {
  Status status = ValidateRing(*this);
  if (status.ok()) {
    status = ValidateLimits(*this);
  }
  if (status.ok()) {
    status = ValidateJournal(*this);
  }
  if (status.ok() && create_if_missing == false && error_if_exists) {
    status = Status::InvalidArgument(
        "error_if_exists = true with create_if_missing = false can never open anything");
  }
  return status;
}

}  // namespace ringdb
