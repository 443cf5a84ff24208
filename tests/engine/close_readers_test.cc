// Goal: Close never waits in silence for readers. A live iterator or an unreleased snapshot holds
// Close; a plain Close logs one warning naming how many of each are open and finishes once they
// are gone; a timed Close returns TimedOut naming them and leaves the engine readable, and a later
// Close finishes. Method: a logger that records its lines; Close on a second thread; readers
// released only once the warning is seen (each wait bounded, none timed by a sleep).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/log_capture.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Close reports what holds it after about a second; this bounds the wait for that report.
constexpr seconds kReportLimit{10};

class CloseReadersTest : public EngineTest {
 protected:
  void SetUp() override {
    Options options = SmallOptions();
    options.logger = capture_.logger();
    OpenEngine(options);
    WriteBatch batch;
    batch.Put("k", "v");
    ASSERT_TRUE(engine_->Write(batch).ok());
  }

  // Runs a plain Close on another thread and waits until it reports what holds it, or returns.
  void StartClose() {
    closer_ = std::thread([this] {
      close_status_ = engine_->Close();
      closed_.store(true);
      capture_.Wake();
    });
    reported_ = capture_.WaitFor(
        "waits for", [this] { return closed_.load(); }, kReportLimit);
  }

  // A test that stopped early has dropped its readers by now, so a Close still running ends.
  void TearDown() override {
    if (closer_.joinable()) {
      closer_.join();
    }
  }

  void FinishClose() {
    closer_.join();
    EXPECT_TRUE(close_status_.ok()) << close_status_.ToString();
  }

  LogCapture capture_;
  std::thread closer_;
  std::atomic<bool> closed_{false};
  Status close_status_;
  bool reported_ = false;
};

TEST_F(CloseReadersTest, PlainCloseReportsALiveIteratorOnceAndWaitsForIt) {
  std::unique_ptr<Iterator> iterator = engine_->NewIterator();
  StartClose();
  EXPECT_TRUE(reported_) << "Close neither returned nor said what it waits for";
  EXPECT_FALSE(closed_.load()) << "Close returned with an iterator live";
  const std::vector<std::string> lines = capture_.LinesWith("waits for");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("1 live iterator(s) and 0 unreleased snapshot(s)"), std::string::npos)
      << lines[0];
  iterator.reset();
  FinishClose();
  EXPECT_EQ(capture_.LinesWith("waits for").size(), 1u) << "the warning is logged once";
}

TEST_F(CloseReadersTest, PlainCloseReportsAnUnreleasedSnapshotAndWaitsForIt) {
  const Snapshot* snapshot = engine_->GetSnapshot();
  ASSERT_NE(snapshot, nullptr);
  StartClose();
  EXPECT_FALSE(closed_.load()) << "Close returned with a snapshot unreleased";
  EXPECT_TRUE(reported_) << "Close neither returned nor said what it waits for";
  const std::vector<std::string> lines = capture_.LinesWith("waits for");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("0 live iterator(s) and 1 unreleased snapshot(s)"), std::string::npos)
      << lines[0];
  engine_->ReleaseSnapshot(snapshot);
  FinishClose();
}

TEST_F(CloseReadersTest, TimedCloseNamesTheReadersAndLeavesTheEngineReadable) {
  std::unique_ptr<Iterator> iterator = engine_->NewIterator();
  const Snapshot* snapshot = engine_->GetSnapshot();
  Status status = engine_->Close(milliseconds(20));
  ASSERT_TRUE(status.IsTimedOut()) << status.ToString();
  EXPECT_NE(status.message().find("1 live iterator(s) and 1 unreleased snapshot(s)"),
            std::string_view::npos)
      << status.ToString();

  WriteBatch batch;
  batch.Put("k", "w");
  EXPECT_TRUE(engine_->Write(batch).IsAborted()) << "writes stop when Close starts";
  EXPECT_EQ(Read("k"), "v");
  std::string value;
  EXPECT_TRUE(engine_->Get("k", &value, {.snapshot = snapshot}).ok());
  iterator->SeekToFirst();
  ASSERT_TRUE(iterator->Valid());
  EXPECT_EQ(iterator->key(), "k");

  engine_->ReleaseSnapshot(snapshot);
  status = engine_->Close(milliseconds(20));
  ASSERT_TRUE(status.IsTimedOut()) << status.ToString();
  EXPECT_NE(status.message().find("1 live iterator(s) and 0 unreleased snapshot(s)"),
            std::string_view::npos)
      << status.ToString();

  EXPECT_TRUE(engine_->NewIterator()->status().IsAborted()) << "Close admits no new reader";
  EXPECT_EQ(engine_->GetSnapshot(), nullptr);
  iterator.reset();
  status = engine_->Close(milliseconds(20));
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(engine_->Get("k", &value).IsAborted());
  EXPECT_TRUE(engine_->Close().ok()) << "Close is idempotent";
}

// Goal: readers that come and go while Close runs never keep it from finishing nor touch a
// closed database. Method: threads open and drop iterators and snapshots in a loop until the
// engine hands them a closed one.
TEST_F(CloseReadersTest, ReadersRacingCloseNeitherHoldItNorOutliveIt) {
  std::vector<std::thread> readers;
  std::atomic<int> started{0};
  for (int thread = 0; thread < 3; ++thread) {
    readers.emplace_back([this, &started] {
      started.fetch_add(1);
      for (;;) {
        std::unique_ptr<Iterator> iterator = engine_->NewIterator();
        const Snapshot* snapshot = engine_->GetSnapshot();
        iterator->SeekToFirst();
        const bool closed = iterator->status().IsAborted();
        EXPECT_TRUE(closed || iterator->Valid()) << iterator->status().ToString();
        if (snapshot != nullptr) {
          std::string value;
          const Status read = engine_->Get("k", &value, {.snapshot = snapshot});
          EXPECT_TRUE(read.ok()) << "a snapshot outlived its database: " << read.ToString();
        }
        engine_->ReleaseSnapshot(snapshot);
        if (closed) {
          return;
        }
      }
    });
  }
  while (started.load() < 3) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(engine_->Close().ok());
  for (std::thread& reader : readers) {
    reader.join();
  }
}

}  // namespace
}  // namespace ringdb
