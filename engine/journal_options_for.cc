#include "engine/journal_options_for.h"

#include <algorithm>

namespace ringdb {
namespace {

// The first segment of an opened journal: 1 MiB, sparse until written, a few milliseconds of
// records at full speed and a whole session's worth for a small database.
constexpr uint64_t kJournalFirstSegmentBytes = uint64_t{1} << 20;

}  // namespace

journal::JournalOptions JournalOptionsFor(const Options& options, uint32_t record_bytes_max_floor) {
  journal::JournalOptions journal_options;
  journal_options.segment_size_bytes_max = options.journal_segment_bytes_max;
  // Start small and double while the traffic fills segments: a database that writes little takes
  // little disk (README, "Footprint on disk"), a busy one reaches full-size segments within a few
  // rolls.
  journal_options.segment_size_bytes_min =
      std::min<uint64_t>(kJournalFirstSegmentBytes, options.journal_segment_bytes_max);
  journal_options.record_bytes_max =
      std::max(options.transaction_bytes_max, record_bytes_max_floor);
  // A group holds at least one whole transaction and at most a few MiB, so that one write call
  // and one fdatasync cover it; a segment must hold a whole group.
  journal_options.group_bytes_max = std::min<uint64_t>(
      std::max<uint64_t>(uint64_t{4} << 20, uint64_t{journal_options.record_bytes_max} * 2),
      options.journal_segment_bytes_max / 2);
  journal_options.sync_mode = options.sync_mode;
  journal_options.recovery_mode = options.recovery_mode;
  journal_options.prewritten_segments = options.journal_prewritten_segments;
  journal_options.retention_sequences = options.journal_retention_transactions;
  journal_options.env = options.env;
  journal_options.logger = options.logger;
  return journal_options;
}

}  // namespace ringdb
