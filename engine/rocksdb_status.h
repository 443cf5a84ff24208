// RocksDB's statuses in ringdb's terms, the one translation every part of the engine uses: a
// missing key is NotFound, damage is Corruption, and everything else an IOError whose message
// names what was being done. A full disk says so in the words the journal uses
// ("out of disk space (ENOSPC)"), so that IsNoSpace() tells it apart whichever side met it.
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "ringdb/status.h"

namespace ringdb {

// RocksDB's own text for a failed status, prefixed with "out of disk space (ENOSPC): " when
// RocksDB ran out of space.
std::string RocksDbErrorText(const rocksdb::Status& status);

// OK for OK; NotFound(what) for a missing key; Corruption or IOError "<what>: <RocksDB's text>".
Status FromRocksDb(const rocksdb::Status& status, std::string_view what);

}  // namespace ringdb
