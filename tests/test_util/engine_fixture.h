// Shared helpers for tests that open a real engine in a temporary directory.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "ringdb/ringdb.h"
#include "test_util/temp_dir.h"

namespace ringdb {

// Options for tests: a small ring and journal so that wrap-around and rolling happen quickly,
// and no fdatasync unless a test asks for it (process crashes keep the page cache; power-loss
// tests use the fault-injecting file layer instead).
inline Options SmallOptions() {
  Options options;
  options.ring_slot_count = 1024;
  options.ring_chunk_count = 2;
  options.transaction_bytes_max = 16 << 10;
  options.value_bytes_max = 8 << 10;
  options.journal_segment_bytes_max = 1 << 20;
  options.checkpoint_journal_bytes = uint64_t{1} << 30;
  options.sync_mode = SyncMode::kNoSyncNotDurable;
  return options;
}

class EngineTest : public ::testing::Test {
 protected:
  void OpenEngine(const Options& options) {
    options_ = options;
    const Status status = Engine::Open(options_, dir_.path(), &engine_);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void Reopen() {
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    OpenEngine(options_);
  }
  std::string Read(std::string_view key) {
    std::string value;
    const Status status = engine_->Get(key, &value);
    if (status.IsNotFound()) {
      return "<absent>";
    }
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }

  TempDir dir_;
  Options options_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace ringdb
