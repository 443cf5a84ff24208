// Goal: what Open sets up around the transactions: ringdb's threads, named so that top -H and
// gdb tell them apart and gone after Close, and the RocksDB options it chooses (16 MiB memtables
// unless the user passes options of their own). Method: read /proc/self/task and RocksDB's
// OPTIONS file.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/convenience.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/options_util.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

// The names every thread of this process carries now, from /proc/self/task/*/comm.
std::vector<std::string> ThreadNames() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  return names;
}

TEST_F(EngineTest, EngineThreadsCarryTheirNamesAndEndWithClose) {
  OpenEngine(SmallOptions());
  const std::vector<std::string> open_names = ThreadNames();
  for (const char* expected : {"ringdb:journal", "ringdb:apply", "ringdb:checkpt"}) {
    EXPECT_EQ(std::count(open_names.begin(), open_names.end(), expected), 1) << expected;
  }
  ASSERT_TRUE(engine_->Close().ok());
  // Joined threads leave /proc/self/task a little after the join returns (the kernel clears the
  // thread id before it releases the task), so the names are polled until gone, within a bound.
  const auto ringdb_threads = [] {
    const std::vector<std::string> names = ThreadNames();
    return std::count_if(names.begin(), names.end(),
                         [](const std::string& name) { return name.rfind("ringdb:", 0) == 0; });
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ringdb_threads() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ringdb_threads(), 0);
}

// The memtable size RocksDB recorded for each column family in its OPTIONS file at `db_path`.
std::vector<size_t> RecordedWriteBufferSizes(const std::string& db_path) {
  rocksdb::ConfigOptions config;
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  const rocksdb::Status loaded =
      rocksdb::LoadLatestOptions(config, db_path, &db_options, &families);
  EXPECT_TRUE(loaded.ok()) << loaded.ToString();
  std::vector<size_t> sizes;
  for (const rocksdb::ColumnFamilyDescriptor& family : families) {
    sizes.push_back(family.options.write_buffer_size);
  }
  return sizes;
}

TEST_F(EngineTest, DefaultMemtablesAre16MiBAndPassedRocksDbOptionsAreKept) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(engine_->Close().ok());
  const std::vector<size_t> defaults = RecordedWriteBufferSizes(dir_.path() + "/db");
  ASSERT_EQ(defaults.size(), 2u) << "the user's column family and ringdb's marker family";
  for (size_t size : defaults) {
    EXPECT_EQ(size, kDefaultRocksDbWriteBufferBytes);
  }
  engine_.reset();

  Options options = SmallOptions();
  auto rocksdb_options = std::make_shared<rocksdb::Options>();
  rocksdb_options->write_buffer_size = size_t{5} << 20;
  options.rocksdb_options = rocksdb_options;
  OpenEngine(options);
  ASSERT_TRUE(engine_->Close().ok());
  for (size_t size : RecordedWriteBufferSizes(dir_.path() + "/db")) {
    EXPECT_EQ(size, size_t{5} << 20);
  }
}

}  // namespace
}  // namespace ringdb
