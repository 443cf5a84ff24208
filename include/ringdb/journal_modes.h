// How the journal makes a group durable (SyncMode) and what opening does with a journal that does
// not end cleanly (RecoveryMode). Options carries both for the engine; the journal and the ringdb
// command use the same two types.
#pragma once

#include <cstdint>

namespace ringdb {

// Whether the journal makes each group durable before the applier may commit it.
enum class SyncMode : uint8_t {
  // One fdatasync per group commit. A resolved token survives power loss. The default.
  kFdatasync = 0,
  // No sync at all. A resolved token survives a process crash but NOT a power loss or a kernel
  // crash. For tests and benchmarks only; the name says so on purpose.
  kNoSyncNotDurable = 1,
};

// What Open does when the journal does not end cleanly, modelled on RocksDB's WALRecoveryMode.
enum class RecoveryMode : uint8_t {
  // A torn record at the very end of the last segment (an interrupted write, with nothing valid
  // after it but its own commit group) is truncated and logged; anything else wrong fails Open
  // with Corruption naming the segment and offset.
  // Use case: the default; what a crash or power loss leaves behind is repaired, rot is not.
  kTolerateTornTail = 0,
  // Any imperfection, a torn tail included, fails Open.
  // Use case: systems that must notice even an interrupted write (tests, audits).
  kAbsoluteConsistency = 1,
  // Recover up to the first bad record, wherever it is: the journal is truncated there and the
  // later segments are renamed to <name>.quarantined (not deleted), logged at error level.
  // Use case: getting a damaged database to open, accepting the loss of the tail.
  kPointInTime = 2,
  // Skip every record that fails its checks and keep going. Salvage only (the journal's reader):
  // transactions after a skipped one may depend on it, and a journal opened for writing refuses
  // it, since writing after a hole would make the hole permanent.
  // Use case: the `ringdb recover` tool.
  kSkipCorrupted = 3,
};

}  // namespace ringdb
