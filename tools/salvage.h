// The journal half of `ringdb recover --mode skip-corrupted` (salvage), on the Env so that it runs
// on the in-memory FaultInjectionEnv as well as on disk: which records of a damaged journal are
// kept, and the new journal they are written into. RocksDB is not touched here; the command
// applies the kept records itself and swaps the new journal in.
//
// A damaged journal can hold the same sequences twice (a quarantined segment renamed back beside
// the segments that replaced it) or go backwards. Salvage keeps a record only if its first
// sequence is above the last sequence kept before it, so what it keeps increases strictly: the
// applier may judge it, and the new journal holds no duplicate.
//
// Thread safety: none needed (free functions). Lifetimes: options.env outlives the call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "journal/journal.h"
#include "journal/journal_options.h"

namespace ringdb::tool {

struct SalvageCounts {
  uint64_t kept = 0;     // Records handed on, in increasing order.
  uint64_t skipped = 0;  // Damaged regions the reader skipped (RecoveryReport::records_skipped).
  // Readable records dropped because their first sequence is not above the last one kept.
  uint64_t dropped_out_of_order = 0;
};

// Reads the journal in `dir` in skip-corrupted mode (whatever options.recovery_mode says; never
// creating it) and calls fn, in order, for every readable record whose first sequence is above
// after_sequence and above the last sequence of the record kept before it. Every other readable
// record past after_sequence is dropped, logged and counted. Returns fn's first error, or the
// reader's (an I/O error); *counts (not null) is filled either way.
Status ReadSalvageable(const journal::JournalOptions& options, const std::string& dir,
                       uint64_t after_sequence,
                       const std::function<Status(const journal::Record&)>& fn,
                       SalvageCounts* counts);

// Appends record to journal as one record of record.count transactions, committing the open group
// first when it is full. *sequence receives the first sequence the journal gave it.
Status AppendRecord(journal::Journal* journal, const journal::Record& record, uint64_t* sequence);

// Writes every record ReadSalvageable keeps of the journal in `source` into a new journal in
// `target` (created if missing), renumbered from 1 without holes, and syncs it. A target that
// already holds segments is refused with InvalidArgument and left untouched. *last gets the new
// journal's last sequence.
Status WriteSalvagedJournal(const journal::JournalOptions& options, const std::string& source,
                            const std::string& target, uint64_t* last, SalvageCounts* counts);

}  // namespace ringdb::tool
