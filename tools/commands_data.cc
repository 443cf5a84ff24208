// Subcommands on the data: get, scan and stats read through a read-only view (beside a live engine
// or not, changing nothing in the directory), backup copies that view, put and delete write
// through the engine.
#include <memory>

#include "ringdb/ringdb.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

// The read-only view of the database (ringdb/read_only_database.h), with the options it was last
// opened with; no lock taken, no byte written, whether a live engine holds the directory or not.
Status OpenReadOnly(const std::string& path, std::unique_ptr<ReadOnlyDatabase>* database) {
  Options options;
  const Status status = LoadOptions(path, &options);
  return status.ok() ? ReadOnlyDatabase::Open(options, path, database) : status;
}

}  // namespace

int Get(const CommonArgs& args, const std::string& key) {
  std::unique_ptr<ReadOnlyDatabase> database;
  Status status = OpenReadOnly(args.path, &database);
  if (!status.ok()) {
    return Fail("get: opening " + args.path + " read-only", status);
  }
  std::string value;
  status = database->Get(key, &value);
  if (!status.ok()) {
    return Fail("get '" + Escape(key, false) + "'", status);
  }
  if (args.json) {
    std::printf("%s\n", JsonObject().Add("key", key).Add("value", value).str().c_str());
  } else {
    std::printf("%s\n", Escape(value, false).c_str());
  }
  return kExitOk;
}

int Scan(const CommonArgs& args, const std::string& prefix, const std::string& from,
         uint64_t limit) {
  std::unique_ptr<ReadOnlyDatabase> database;
  const Status status = OpenReadOnly(args.path, &database);
  if (!status.ok()) {
    return Fail("scan: opening " + args.path + " read-only", status);
  }
  auto iterator = database->NewIterator({.lower_bound = from, .prefix = prefix});
  uint64_t shown = 0;
  for (iterator->SeekToFirst(); iterator->Valid() && (limit == 0 || shown < limit);
       iterator->Next()) {
    if (args.json) {
      std::printf(
          "%s\n",
          JsonObject().Add("key", iterator->key()).Add("value", iterator->value()).str().c_str());
    } else {
      std::printf("%s = %s\n", Escape(iterator->key(), false).c_str(),
                  Escape(iterator->value(), false).c_str());
    }
    ++shown;
  }
  if (!iterator->status().ok()) {
    return Fail("scan", iterator->status());
  }
  return kExitOk;
}

// Writes through the engine; creates the database when nothing is at the path yet.
static int WriteOne(const CommonArgs& args, const char* verb, const WriteBatch& batch) {
  std::unique_ptr<Engine> engine;
  Options options;
  Status status = OptionsForWriting(args.path, &options);
  if (status.ok()) {
    status = Engine::Open(options, args.path, &engine);
  }
  if (!status.ok()) {
    return Fail(std::string(verb) + ": opening " + args.path, status);
  }
  Token token = engine->Submit(batch);
  status = token.Wait();
  if (!status.ok()) {
    return Fail(verb, status);
  }
  status = engine->Close();
  if (!status.ok()) {
    return Fail(std::string(verb) + ": closing", status);
  }
  if (args.json) {
    std::printf("%s\n", JsonObject().Add("ok", true).str().c_str());
  } else {
    std::printf("ok: journaled, synced and applied\n");
  }
  return kExitOk;
}

int Put(const CommonArgs& args, const std::string& key, const std::string& value) {
  WriteBatch batch;
  batch.Put(key, value);
  return WriteOne(args, "put", batch);
}

int Delete(const CommonArgs& args, const std::string& key) {
  WriteBatch batch;
  batch.Delete(key);
  return WriteOne(args, "delete", batch);
}

int Stats(const CommonArgs& args) {
  std::unique_ptr<ReadOnlyDatabase> database;
  const Status status = OpenReadOnly(args.path, &database);
  if (!status.ok()) {
    return Fail("stats: opening " + args.path + " read-only", status);
  }
  const ReadOnlyInfo info = database->Info();
  const uint64_t first = info.segments.empty() ? 0 : info.segments.front().first_sequence;
  const uint64_t last = info.segments.empty() ? 0 : info.segments.back().last_sequence;
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("live", info.live)
                            .Add("sequence", info.sequence)
                            .Add("marker", info.marker_sequence)
                            .Add("transactions_replayed", info.transactions_replayed)
                            .Add("transactions_conflicted", info.transactions_conflicted)
                            .Add("journal_first_sequence", first)
                            .Add("journal_last_sequence", last)
                            .Add("segments_read", uint64_t{info.segments.size()})
                            .Add("torn_tail", info.torn_tail)
                            .Add("rocksdb_estimated_keys", info.rocksdb_estimated_keys)
                            .Add("rocksdb_table_bytes", info.rocksdb_table_bytes)
                            .str()
                            .c_str());
    return kExitOk;
  }
  std::printf("%s: %s\n", args.path.c_str(),
              info.live ? "a live engine holds it (read beside it, without a lock)"
                        : "no engine holds it (read without a lock, nothing written)");
  std::printf(
      "state: through sequence %llu = RocksDB's flushed marker %llu + %llu transaction(s) "
      "re-executed from the journal (%llu more failed their preconditions, as they did "
      "when applied)\n",
      static_cast<unsigned long long>(info.sequence),
      static_cast<unsigned long long>(info.marker_sequence),
      static_cast<unsigned long long>(info.transactions_replayed),
      static_cast<unsigned long long>(info.transactions_conflicted));
  std::printf("journal read: %zu segment(s), sequences %llu..%llu%s\n", info.segments.size(),
              static_cast<unsigned long long>(first), static_cast<unsigned long long>(last),
              info.torn_tail ? (", ending in an unfinished group at " + info.torn_tail_segment +
                                " byte " + std::to_string(info.torn_tail_offset))
                                   .c_str()
                             : "");
  std::printf("rocksdb: about %llu key(s), %llu bytes of table files\n",
              static_cast<unsigned long long>(info.rocksdb_estimated_keys),
              static_cast<unsigned long long>(info.rocksdb_table_bytes));
  std::printf("counters and latency histograms live in the running engine: Engine::Stats()\n");
  return kExitOk;
}

int BackupReadOnly(const CommonArgs& args, const std::string& target) {
  std::unique_ptr<ReadOnlyDatabase> database;
  Status status = OpenReadOnly(args.path, &database);
  if (!status.ok()) {
    return Fail("backup: opening " + args.path + " read-only", status);
  }
  status = database->Backup(target);
  if (!status.ok()) {
    return Fail("backup", status);
  }
  const uint64_t sequence = database->sequence();
  if (args.json) {
    std::printf(
        "%s\n",
        JsonObject().Add("backup", target).Add("sequence", sequence).Add("ok", true).str().c_str());
  } else {
    std::printf("backup written to %s, through sequence %llu (open it with: ringdb recover %s)\n",
                target.c_str(), static_cast<unsigned long long>(sequence), target.c_str());
  }
  return kExitOk;
}

}  // namespace ringdb::tool
