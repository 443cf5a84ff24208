// Creating a database's directories durably, in each of its two file layers: ringdb's Env (the
// database's own directory, the journal, OPTIONS, a backup's marker) and RocksDB's FileSystem (the
// db/ directory RocksDB writes into). On a real machine both are the same disk; keeping them apart
// lets a test put each behind its own fault-injecting layer.
#pragma once

#include <string>

#include <rocksdb/file_system.h>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb {

// Creates dir and its missing parents, shallowest first, syncing each new entry into its parent,
// so that a power loss cannot take away what is later made durable inside. `what` starts the
// message of an error ("backup", "Engine::Open").
Status CreateDirectoriesDurably(Env* env, const std::string& dir, const std::string& what);

// The same through RocksDB's file system.
Status CreateRocksDbDirectoriesDurably(rocksdb::FileSystem* fs, const std::string& dir,
                                       const std::string& what);

// Makes dir's entries durable through RocksDB's file system (the layer that made them).
Status SyncRocksDbDirectory(rocksdb::FileSystem* fs, const std::string& dir,
                            const std::string& what);

}  // namespace ringdb
