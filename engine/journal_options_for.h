// The journal options that follow from an engine's Options, shared by the engine and by the
// `ringdb` command's read-only journal readers, so that both read a journal the same way.
#pragma once

#include <cstdint>

#include "journal/journal_options.h"
#include "ringdb/options.h"

namespace ringdb {

// record_bytes_max_floor: the largest transaction_bytes_max this database was ever opened with
// (from its OPTIONS file), so that lowering the option later never turns journaled records into
// "over-long" corruption.
journal::JournalOptions JournalOptionsFor(const Options& options, uint32_t record_bytes_max_floor);

}  // namespace ringdb
