// The peers: a plain write+fdatasync loop and RocksDB used directly with default options.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "bench/engine/bench_util.h"
#include "bench/engine/timed_run.h"
#include "bench/engine/workloads.h"

namespace ringdb::bench {

namespace {

using Clock = std::chrono::steady_clock;
const std::string kValue(100, 'v');

std::unique_ptr<rocksdb::DB> OpenRocksDb(const std::string& path, size_t write_buffer_bytes = 0) {
  rocksdb::Options options;
  options.create_if_missing = true;
  if (write_buffer_bytes != 0) {
    options.write_buffer_size = write_buffer_bytes;
  }
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, path, &db);
  if (!status.ok()) {
    std::fprintf(stderr, "bench: cannot open RocksDB at %s: %s\n", path.c_str(),
                 status.ToString().c_str());
    std::exit(1);
  }
  return std::unique_ptr<rocksdb::DB>(db);
}

}  // namespace

Figures FdatasyncLoop(const std::string& dir, size_t bytes, double seconds) {
  const std::string path = dir + "/fdatasync_loop";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror("bench: fdatasync loop");
    std::exit(1);
  }
  const std::string block(bytes, 'x');
  Latencies latencies(1 << 20);
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  const auto started = Clock::now();
  uint64_t count = 0;
  while (Clock::now() < deadline) {
    const auto before = Clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      std::perror("bench: fdatasync loop");
      std::exit(1);
    }
    latencies.Add(Clock::now() - before);
    ++count;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  ::close(fd);
  ::unlink(path.c_str());
  return {static_cast<double>(count) / elapsed, latencies.QuantileUs(0.5),
          latencies.QuantileUs(0.99), count};
}

Figures RocksDbWriters(const std::string& dir, int threads, int puts, bool sync, bool disable_wal,
                       double seconds) {
  std::unique_ptr<rocksdb::DB> db = OpenRocksDb(dir);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  write_options.disableWAL = disable_wal;
  return RunTimed(threads, seconds, [&](int thread) {
    return [&, random = Random(static_cast<uint64_t>(thread) + 1), key = std::string(),
            batch = rocksdb::WriteBatch()]() mutable {
      batch.Clear();
      for (int put = 0; put < puts; ++put) {
        random.Key(&key);
        batch.Put(key, kValue);
      }
      return db->Write(write_options, &batch).ok();
    };
  });
}

void RocksDbWriteAndAbandon(const std::string& dir, uint64_t transactions) {
  std::unique_ptr<rocksdb::DB> db = OpenRocksDb(dir, kReopenWriteBufferBytes);
  Random random(7);
  std::string key;
  rocksdb::WriteOptions write_options;  // WAL on, no sync: the writes sit in the WAL.
  for (uint64_t i = 0; i < transactions; ++i) {
    random.Key(&key);
    if (!db->Put(write_options, key, kValue).ok()) {
      _exit(1);
    }
  }
  if (!db->FlushWAL(true /*sync*/).ok()) {
    _exit(1);
  }
  _exit(0);  // No Close: the memtable is lost, the WAL must be replayed.
}

double RocksDbReopenMs(const std::string& dir, uint64_t transactions) {
  RunWriterProcess(kRocksDbWriter, dir, transactions);
  const auto started = Clock::now();
  std::unique_ptr<rocksdb::DB> db = OpenRocksDb(dir, kReopenWriteBufferBytes);
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

Figures RocksDbYcsbA(const std::string& dir, int threads, uint64_t keys, double seconds) {
  std::unique_ptr<rocksdb::DB> db = OpenRocksDb(dir);
  rocksdb::WriteOptions load;
  load.disableWAL = true;
  for (uint64_t key = 0; key < keys; ++key) {
    if (!db->Put(load, "user" + std::to_string(key), kValue).ok()) {
      std::exit(1);
    }
  }
  rocksdb::WriteOptions durable;
  durable.sync = true;
  const Zipfian zipfian(keys);
  return RunTimed(threads, seconds, [&](int thread) {
    return
        [&, random = Random(static_cast<uint64_t>(thread) + 100), value = std::string()]() mutable {
          const std::string key = "user" + std::to_string(zipfian.Next(&random));
          return (random.Next() & 1) != 0 ? db->Get(rocksdb::ReadOptions(), key, &value).ok()
                                          : db->Put(durable, key, kValue).ok();
        };
  });
}

}  // namespace ringdb::bench
