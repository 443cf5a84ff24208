// ringdb::Options: everything Engine::Open needs to know, each field with its unit, range and
// default. Options::Validate() (called by Open) rejects a bad value with an InvalidArgument that
// names the field; nothing is clamped silently. None of the fields can change after Open.
//
// Thread safety: a plain struct; copy it freely. Open copies what it keeps.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ringdb/journal_modes.h"
#include "ringdb/logger.h"
#include "ringdb/ring_options.h"
#include "ringdb/status.h"

namespace rocksdb {
struct Options;
}  // namespace rocksdb

namespace ringdb {

class Env;

// The smallest transaction_bytes_max: the 8-byte transaction header and one operation (12 bytes
// of framing) with room left for a short key and value.
inline constexpr uint32_t kTransactionBytesMin = 64;

// The memtable size ringdb gives RocksDB when Options::rocksdb_options is null.
inline constexpr size_t kDefaultRocksDbWriteBufferBytes = size_t{16} << 20;

struct Options {
  // --- Ring buffer ---
  // Number of ring slots; a power of two in [2, 2^30] (kRingSlotCountMax), and the ring's bytes,
  // ring_slot_count * ring_chunk_count * 32, at most 16 GiB (kRingBytesMax). The ring's own
  // checks judge these (ringdb/ring_options.h). Default: 16384.
  uint64_t ring_slot_count = uint64_t{1} << 14;
  // Slot size in 32-byte chunks, in [1, 2048] (kRingChunkCountMax); a slot holds chunk_count * 32
  // bytes. A transaction occupies as many consecutive slots as its encoded size needs.
  // Default: 4 (128-byte slots).
  uint32_t ring_chunk_count = 4;
  // How ringdb's threads and a caller waiting on a full ring or a token wait (see WaitStrategy in
  // ringdb/ring_options.h). Whatever the strategy, a synchronous Engine::Write whose writer finds
  // the journal stage idle journals and applies its group on its own thread, so it waits only
  // for the disk. Default: kSpinThenPark (spin briefly, then park on a futex), the one that holds
  // on a busy host.
  WaitStrategy wait_strategy = WaitStrategy::kSpinThenPark;

  // --- Limits of one transaction ---
  // Largest key, in bytes, in [1, 1 MiB]. Empty keys are always rejected. Default: 8 KiB.
  uint32_t key_bytes_max = 8u << 10;
  // Largest value, in bytes, in [0, transaction_bytes_max]. A value also counts against
  // transaction_bytes_max with its key and framing: a put of a value this size needs
  // key + value_bytes_max + 20 <= transaction_bytes_max. Default: 1008 KiB (1 MiB less 16 KiB),
  // so that with the defaults one put of the largest key and the largest value fits.
  uint32_t value_bytes_max = (1u << 20) - (16u << 10);
  // Largest encoded transaction in bytes (keys, values, 12 bytes of framing per operation and 8
  // per transaction), in [64 (kTransactionBytesMin), half the ring's bytes]: at most half, so
  // that one transaction never waits for the whole ring.
  // A transaction over it is refused with InvalidArgument and nothing is published.
  // Default: 1 MiB (with the default ring of 2 MiB).
  uint32_t transaction_bytes_max = 1u << 20;

  // --- Journal ---
  // Size at which the journal rolls to a new segment, in bytes, in [1 MiB, 4 GiB] and at least
  // four times transaction_bytes_max. A database remembers the largest transaction_bytes_max it
  // was ever opened with (journal_record_bytes_max in <path>/OPTIONS), since its journal may hold
  // transactions that large: reopening it needs segments that hold one of those too, and Open
  // says how large when they do not (or start from Options::LoadFrom). Default: 64 MiB.
  uint64_t journal_segment_bytes_max = uint64_t{64} << 20;
  // Durability of each group commit. Default: kFdatasync.
  SyncMode sync_mode = SyncMode::kFdatasync;
  // Policy for a journal that does not end cleanly: kTolerateTornTail, kAbsoluteConsistency or
  // kPointInTime. kSkipCorrupted is refused: it is salvage, done offline by
  // `ringdb recover --mode skip-corrupted <path>`. Default: kTolerateTornTail.
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  // Journal segments kept written ahead of need, so that the hot path overwrites blocks (about
  // half the cost of an appending fdatasync). In [0, 16]. Default: 1.
  uint32_t journal_prewritten_segments = 1;

  // --- Checkpoints ---
  // When the journal holds more than this many bytes past the last checkpoint, a background
  // checkpoint flushes RocksDB and retires the journal segments it covers. In [1 MiB, 1 TiB].
  // Default: 256 MiB.
  uint64_t checkpoint_journal_bytes = uint64_t{256} << 20;
  // Transactions kept in the journal below the checkpoint for point-in-time replay; 0 keeps
  // none. Default: 0.
  uint64_t journal_retention_transactions = 0;

  // --- Opening ---
  // Create the directory and an empty database when missing. Default: true.
  bool create_if_missing = true;
  // Fail Open when a database already exists at the path. Default: false.
  bool error_if_exists = false;

  // --- Plumbing ---
  // Where ringdb logs. Default: null, meaning DefaultLogger() (a logger named "ringdb", stderr,
  // warnings and errors only). Pass a logger of your own, or lower DefaultLogger()'s level, to
  // see the info lines too (what each Open recovered, ring and journal events).
  std::shared_ptr<spdlog::logger> logger;
  // RocksDB options to start from, copied at Open. ringdb then sets what its guarantees need
  // (create_if_missing, atomic_flush, its metadata column family) and writes with the RocksDB
  // WAL disabled. Default: null, meaning RocksDB's defaults except write_buffer_size, which is
  // kDefaultRocksDbWriteBufferBytes (16 MiB, not RocksDB's 64): with the journal as the log, a
  // memtable is only a write cache, and a small one keeps its skip list in the CPU's cache (on a
  // 32 MiB-L3 machine, 1.2-1.8x the insert rate of a 64 MiB one). Options passed here are used as
  // they are, write_buffer_size included.
  std::shared_ptr<const rocksdb::Options> rocksdb_options;
  // The file layer for the journal and the lock. Default: null, meaning the POSIX file system.
  Env* env = nullptr;

  // Returns OK or InvalidArgument naming the first bad field and why. It applies every check the
  // ring and the journal would apply to what Open derives from these options, so that Open never
  // fails on a limit after it has started to write.
  Status Validate() const;

  // Reads into *options the options the database at `path` was last opened with (its OPTIONS
  // file): the ring, limits, journal and checkpoint fields. The others (logger, env,
  // rocksdb_options, create_if_missing, error_if_exists) keep their values. NotFound when the
  // file is missing; InvalidArgument naming a malformed value. Like RocksDB's
  // LoadLatestOptions: options loaded this way reopen the database as it was last opened. Reads
  // through options->env.
  static Status LoadFrom(const std::string& path, Options* options);
};

}  // namespace ringdb
