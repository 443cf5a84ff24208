// Subcommands that go through the engine: get, scan, put, delete, stats.
#include <memory>

#include "ringdb/ringdb.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

// Opens the engine with the options the database was last opened with, never creating one
// (reading commands).
Status OpenExisting(const std::string& path, std::unique_ptr<Engine>* engine) {
  Options options;
  const Status status = LoadOptions(path, &options);
  return status.ok() ? Engine::Open(options, path, engine) : status;
}

std::string HistogramJson(const HistogramData& data) {
  return JsonObject()
      .Add("count", data.count)
      .Add("mean", data.mean())
      .Add("p50", data.p50)
      .Add("p99", data.p99)
      .Add("p999", data.p999)
      .Add("max", data.max)
      .str();
}

}  // namespace

int Get(const CommonArgs& args, const std::string& key) {
  std::unique_ptr<Engine> engine;
  Status status = OpenExisting(args.path, &engine);
  if (!status.ok()) {
    return Fail("get: opening " + args.path, status);
  }
  std::string value;
  status = engine->Get(key, &value);
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
  std::unique_ptr<Engine> engine;
  const Status status = OpenExisting(args.path, &engine);
  if (!status.ok()) {
    return Fail("scan: opening " + args.path, status);
  }
  auto iterator = engine->NewIterator({.lower_bound = from, .prefix = prefix});
  uint64_t shown = 0;
  for (iterator->SeekToFirst(); iterator->Valid() && (limit == 0 || shown < limit);
       iterator->Next()) {
    if (args.json) {
      std::printf("%s\n", JsonObject()
                              .Add("key", iterator->key())
                              .Add("value", iterator->value())
                              .str()
                              .c_str());
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
  std::unique_ptr<Engine> engine;
  const Status status = OpenExisting(args.path, &engine);
  if (!status.ok()) {
    return Fail("stats: opening " + args.path, status);
  }
  const EngineStats stats = engine->Stats();
  const RecoveryInfo& recovery = engine->recovery();
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("transactions_replayed", recovery.transactions_replayed)
                            .Add("recovery_us", static_cast<uint64_t>(recovery.duration.count()))
                            .Add("transactions_committed", stats.transactions_committed)
                            .Add("journal_groups", stats.journal_groups)
                            .AddRaw("group_transactions", HistogramJson(stats.group_transactions))
                            .AddRaw("fsync_latency_us", HistogramJson(stats.fsync_latency_us))
                            .AddRaw("apply_latency_us", HistogramJson(stats.apply_latency_us))
                            .str()
                            .c_str());
  } else {
    std::printf("recovery: %s\n", recovery.summary.c_str());
    std::printf("counters since this open: %llu committed, %llu groups (statistics live in the "
                "running engine: Engine::Stats())\n",
                static_cast<unsigned long long>(stats.transactions_committed),
                static_cast<unsigned long long>(stats.journal_groups));
  }
  return kExitOk;
}

}  // namespace ringdb::tool
