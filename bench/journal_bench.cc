// journal_bench: what group commit costs against the physical limit of the disk.
//
// For groups of 1, 16, 256 and 4096 records of 128 bytes, it measures the journal's Commits per
// second (each one write call and one fdatasync) and, in the same run on the same disk, a plain
// loop that appends the same number of bytes per sync to a file and calls fdatasync: the
// "fdatasync_loop" baseline. The journal overwrites pre-written or recycled segments, so each of
// its syncs should cost about half of an appending one, which must also update the file's size.
// Files live in a temporary directory under $RINGDB_BENCH_DIR, else $TMPDIR, else /tmp, and are
// removed at the end. RINGDB_BENCH_SECONDS sets the time per measurement (default 1.5).
//
// Each group size runs twice: with the bench's own set-up ("journal.groupN") and with an engine's
// defaults ("journal.engine.groupN", see JournalConfig).
//
// Usage: journal_bench [--json] [--open]. --open measures only Journal::Open over 64 MiB of
// journal, after a kill and after a clean close (median of 5 opens each).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "journal/crc32c.h"
#include "journal/journal.h"
#include "journal/record_format.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kRecordBytes = 128;
constexpr uint64_t kLoopFileBytesMax = uint64_t{256} << 20;  // Bounds the loop's disk use.

struct Measure {
  double syncs_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

double Percentile(std::vector<double>* samples, double fraction) {
  if (samples->empty()) return 0;
  const size_t index = static_cast<size_t>(fraction * static_cast<double>(samples->size() - 1));
  std::nth_element(samples->begin(), samples->begin() + static_cast<long>(index), samples->end());
  return (*samples)[index];
}

Measure Summarize(std::vector<double>* latencies_us, double seconds) {
  Measure measure;
  measure.syncs_per_second = static_cast<double>(latencies_us->size()) / seconds;
  measure.p50_us = Percentile(latencies_us, 0.50);
  measure.p99_us = Percentile(latencies_us, 0.99);
  return measure;
}

// The physical limit: append bytes_per_sync, fdatasync, repeat. One window of `seconds`.
class AppendLoop {
 public:
  AppendLoop(const std::string& dir, uint64_t bytes_per_sync)
      : path_(dir + "/fdatasync_loop"), data_(bytes_per_sync, std::byte{0x5a}) {
    Reopen();
  }
  ~AppendLoop() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  void Window(double seconds, std::vector<double>* latencies_us) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {  // Bounded by the deadline.
      const auto before = Clock::now();
      if (::pwrite(fd_, data_.data(), data_.size(), static_cast<off_t>(offset_)) !=
              static_cast<ssize_t>(data_.size()) ||
          ::fdatasync(fd_) != 0) {
        std::perror("fdatasync_loop");
        std::exit(1);
      }
      latencies_us->push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - before).count());
      offset_ += data_.size();
      if (offset_ > kLoopFileBytesMax) {  // Start over in a new file: it must keep appending.
        Reopen();
      }
    }
  }

 private:
  void Reopen() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::perror("fdatasync_loop: open");
      std::exit(1);
    }
    offset_ = 0;
  }
  std::string path_;
  std::vector<std::byte> data_;
  int fd_ = -1;
  uint64_t offset_ = 0;
};

// How the journal is set up and retired behind. "bench": two pre-written files, full-size segments
// from the start, Retire every 32 Commits (segments recycled as soon as they are written).
// "engine": what an engine with default Options does: one pre-written file, segments growing from 1
// MiB to 64 MiB, and Retire only once 256 MiB were written past the last one (the checkpoint).
struct JournalConfig {
  const char* name;
  uint32_t prewritten_segments;
  uint64_t segment_size_bytes_min;  // 0: every segment full size.
  uint32_t retire_every_commits;    // 0: by bytes instead.
  uint64_t retire_every_bytes;
};
constexpr JournalConfig kBenchConfig{"", 2, 0, 32, 0};
constexpr JournalConfig kEngineConfig{"engine.", 1, uint64_t{1} << 20, 0, uint64_t{256} << 20};

// The journal: group Adds, one Commit; retires behind itself so segments get recycled.
class JournalLoop {
 public:
  JournalLoop(const std::string& dir, uint32_t group, const JournalConfig& config)
      : path_(dir + "/journal-" + std::to_string(group)),
        group_(group),
        config_(config),
        payload_(kRecordBytes, std::byte{0xa5}) {
    using namespace ringdb::journal;
    JournalOptions options;
    options.prewritten_segments = config.prewritten_segments;
    options.segment_size_bytes_min = config.segment_size_bytes_min;
    options.logger = std::make_shared<spdlog::logger>("journal_bench");  // No sinks: quiet.
    Check(Journal::Open(options, path_, nullptr, &journal_));
    // Start from the steady state: a journal pre-writes only once its traffic asks for it, and
    // grows its segments while the traffic fills them, so write large records (quickly) until
    // segments are full size (the eighth: 1, 2, 4 ... 64 MiB) and retire them (bounded; not part
    // of the measurement). The pre-writer tops the pool up once the next segment is a quarter
    // full, and Retire below recycles behind the writes.
    const size_t warm_segments = config.segment_size_bytes_min == 0 ? 2 : 8;
    const std::vector<std::byte> large(256 << 10, std::byte{0x5c});
    for (int i = 0; i < 4096 && journal_->Info().segments.size() < warm_segments; ++i) {
      for (int record = 0; record < 8; ++record) {
        uint64_t sequence = 0;
        ringdb::Status added = journal_->Add(1, large, &sequence);
        if (added.IsBusy()) {
          break;
        }
        Check(added);
      }
      Check(journal_->Commit());
    }
    Check(journal_->Retire(journal_->durable_sequence()));
    if (journal_->Info().prewritten_ready == 0) {
      std::fprintf(stderr, "journal_bench: the warm-up left no segment file in the pool\n");
      std::exit(1);
    }
    sparse_at_start_ = journal_->Info().sparse_segments;
  }
  // Segments created sparse (no pool file ready) since the warm-up.
  uint64_t sparse_segments() const { return journal_->Info().sparse_segments - sparse_at_start_; }
  ~JournalLoop() {
    journal_.reset();
    std::filesystem::remove_all(path_);
  }
  // Where a group's time goes: encoding its records (the Adds), the Commit (write and sync), and
  // the Commits at a segment roll (the group split in two, the second into a new segment).
  struct Phases {
    std::vector<double> encode_us;
    std::vector<double> commit_us;
    std::vector<double> roll_us;
  };
  void Window(double seconds, std::vector<double>* latencies_us, Phases* phases) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    const auto micros = [](Clock::duration duration) {
      return std::chrono::duration<double, std::micro>(duration).count();
    };
    while (Clock::now() < deadline) {  // Bounded by the deadline.
      const auto before = Clock::now();
      double roll_us = 0;
      for (uint32_t i = 0; i < group_; ++i) {
        uint64_t sequence = 0;
        ringdb::Status added = journal_->Add(1, payload_, &sequence);
        if (added.IsBusy()) {
          // The segment cannot take the whole group: it goes out in two Commits, as the engine's
          // would (once per segment roll).
          const auto roll_started = Clock::now();
          Check(journal_->Commit());
          added = journal_->Add(1, payload_, &sequence);
          roll_us = micros(Clock::now() - roll_started);
        }
        Check(added);
      }
      const auto encoded = Clock::now();
      Check(journal_->Commit());
      const auto committed = Clock::now();
      latencies_us->push_back(micros(committed - before));
      phases->encode_us.push_back(micros(encoded - before) - roll_us);
      phases->commit_us.push_back(micros(committed - encoded));
      if (roll_us > 0) {
        phases->roll_us.push_back(roll_us + micros(committed - encoded));
      }
      bytes_since_retire_ += uint64_t{group_} * kRecordBytes;
      ++commits_;
      const bool retire = config_.retire_every_commits != 0
                              ? commits_ % config_.retire_every_commits == 0
                              : bytes_since_retire_ >= config_.retire_every_bytes;
      if (retire) {
        Check(journal_->Retire(journal_->durable_sequence()));
        bytes_since_retire_ = 0;
      }
    }
  }

 private:
  static void Check(const ringdb::Status& status) {
    if (!status.ok()) {
      std::fprintf(stderr, "journal_bench: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
  std::string path_;
  uint32_t group_;
  JournalConfig config_;
  std::vector<std::byte> payload_;
  std::unique_ptr<ringdb::journal::Journal> journal_;
  uint64_t commits_ = 0;
  uint64_t bytes_since_retire_ = 0;
  uint64_t sparse_at_start_ = 0;
};

// One line: the journal with `config` against the append loop, groups of `group` records.
void MeasureGroup(const std::string& dir, uint32_t group, const JournalConfig& config,
                  double seconds, bool json) {
  // The same bytes per sync as the journal writes: records with headers, plus the end marker.
  const uint64_t bytes_per_sync =
      uint64_t{group} * (ringdb::journal::format::kRecordHeaderBytes + kRecordBytes) +
      ringdb::journal::format::kEndMarkerBytes;
  // Alternating short windows, so that drift of the shared disk hits both sides alike.
  constexpr int kWindows = 6;
  std::vector<double> loop_latencies, journal_latencies;
  loop_latencies.reserve(1 << 20);
  journal_latencies.reserve(1 << 20);
  JournalLoop::Phases phases;
  uint64_t sparse = 0;
  {
    AppendLoop append_loop(dir, bytes_per_sync);
    JournalLoop journal_loop(dir, group, config);
    for (int window = 0; window < kWindows; ++window) {
      append_loop.Window(seconds / kWindows, &loop_latencies);
      journal_loop.Window(seconds / kWindows, &journal_latencies, &phases);
    }
    sparse = journal_loop.sparse_segments();
  }
  const size_t rolls = phases.roll_us.size();
  const Measure loop = Summarize(&loop_latencies, seconds);
  const Measure journal = Summarize(&journal_latencies, seconds);
  const double ratio = journal.syncs_per_second / loop.syncs_per_second;
  const double records_per_second = journal.syncs_per_second * group;
  const double mb_per_second = records_per_second * kRecordBytes / 1e6;
  if (json) {
    std::printf(
        "{\"bench\": \"journal.%sgroup%u\", \"value\": %.1f, \"unit\": \"syncs/s\", "
        "\"baseline\": \"fdatasync_loop.group%u\", \"baseline_value\": %.1f, "
        "\"ratio\": %.3f, \"records_per_s\": %.0f, \"payload_mb_per_s\": %.2f, "
        "\"p50_us\": %.1f, \"p99_us\": %.1f, \"baseline_p50_us\": %.1f, "
        "\"baseline_p99_us\": %.1f, \"encode_p50_us\": %.1f, \"encode_p99_us\": %.1f, "
        "\"commit_p50_us\": %.1f, \"commit_p99_us\": %.1f, \"rolls\": %zu, "
        "\"roll_p50_us\": %.1f, \"roll_max_us\": %.1f, \"sparse_segments\": %llu}\n",
        config.name, group, journal.syncs_per_second, group, loop.syncs_per_second, ratio,
        records_per_second, mb_per_second, journal.p50_us, journal.p99_us, loop.p50_us, loop.p99_us,
        Percentile(&phases.encode_us, 0.5), Percentile(&phases.encode_us, 0.99),
        Percentile(&phases.commit_us, 0.5), Percentile(&phases.commit_us, 0.99), rolls,
        Percentile(&phases.roll_us, 0.5), Percentile(&phases.roll_us, 1.0),
        static_cast<unsigned long long>(sparse));
  } else {
    std::printf(
        "%-7s group %4u: journal %8.0f syncs/s (%9.0f records/s, %7.2f MB/s, p50 %6.1f us, "
        "p99 %6.1f us) | append+fdatasync loop %8.0f syncs/s (p50 %6.1f us, p99 %6.1f us) | "
        "ratio %.2f | commit p99 %.1f us, encode p99 %.1f us, %zu rolls (max %.1f us), "
        "%llu sparse\n",
        config.name[0] != 0 ? "engine" : "bench", group, journal.syncs_per_second,
        records_per_second, mb_per_second, journal.p50_us, journal.p99_us, loop.syncs_per_second,
        loop.p50_us, loop.p99_us, ratio, Percentile(&phases.commit_us, 0.99),
        Percentile(&phases.encode_us, 0.99), rolls, Percentile(&phases.roll_us, 1.0),
        static_cast<unsigned long long>(sparse));
  }
  std::fflush(stdout);
}

// Open time: writes `mib` MiB of records in groups of 256 (with the engine's growing segments),
// then, as after a kill -9 or a clean Close, times Journal::Open `opens` times; each Open leaves
// the journal as it found it. Prints the median.
double MedianOpenMs(const std::string& dir, uint64_t mib, bool clean, int opens) {
  using namespace ringdb::journal;
  JournalOptions options;
  options.segment_size_bytes_min = uint64_t{1} << 20;
  options.logger = std::make_shared<spdlog::logger>("journal_bench");  // No sinks: quiet.
  const std::string path = dir + "/journal-open";
  {
    std::unique_ptr<Journal> journal;
    ringdb::Status status = Journal::Open(options, path, nullptr, &journal);
    const std::vector<std::byte> payload(kRecordBytes, std::byte{0xa5});
    const uint64_t records = mib * (uint64_t{1} << 20) / (kRecordBytes + 40);
    for (uint64_t i = 0; status.ok() && i < records; ++i) {
      uint64_t sequence = 0;
      status = journal->Add(1, payload, &sequence);
      if (status.IsBusy()) {
        status = journal->Commit();
        if (status.ok()) status = journal->Add(1, payload, &sequence);
      }
      if (status.ok() && i % 256 == 255) status = journal->Commit();
    }
    if (status.ok()) status = journal->Commit();
    if (status.ok() && clean) status = journal->Close();
    if (!status.ok()) {
      std::fprintf(stderr, "journal_bench: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
  std::vector<double> times_ms;
  for (int i = 0; i < opens; ++i) {
    const auto before = Clock::now();
    std::unique_ptr<Journal> journal;
    const ringdb::Status status = Journal::Open(options, path, nullptr, &journal);
    times_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
    if (!status.ok() || (clean && !journal->Close().ok())) {
      std::fprintf(stderr, "journal_bench: reopen: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
  std::filesystem::remove_all(path);
  return Percentile(&times_ms, 0.5);
}

std::string BenchDir() {
  const char* base = std::getenv("RINGDB_BENCH_DIR");
  if (base == nullptr) base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/ringdb-journal-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("journal_bench: mkdtemp");
    std::exit(1);
  }
  return pattern;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  bool open = false;
  for (int i = 1; i < argc; ++i) {
    json = json || std::strcmp(argv[i], "--json") == 0;
    open = open || std::strcmp(argv[i], "--open") == 0;
  }
  const char* seconds_text = std::getenv("RINGDB_BENCH_SECONDS");
  const double seconds = seconds_text != nullptr ? std::atof(seconds_text) : 1.5;
  const std::string dir = BenchDir();
  if (open) {
    // Only the open times: how long Journal::Open takes over 64 MiB of journal.
    for (const bool clean : {false, true}) {
      const double ms = MedianOpenMs(dir, 64, clean, 5);
      if (json) {
        std::printf(
            "{\"bench\": \"journal.open_64mib_after_%s\", \"value\": %.1f, "
            "\"unit\": \"ms\"}\n",
            clean ? "close" : "kill", ms);
      } else {
        std::printf("open after %s, 64 MiB of journal: %.1f ms (median of 5)\n",
                    clean ? "a clean close" : "a kill", ms);
      }
    }
    std::filesystem::remove_all(dir);
    return 0;
  }
  if (!json) {
    std::printf("journal_bench: %u-byte records, %.1f s per measurement, files in %s, crc32c %s\n",
                kRecordBytes, seconds, dir.c_str(),
                ringdb::journal::crc32c::IsHardwareAccelerated() ? "SSE4.2" : "portable");
  }
  for (const uint32_t group : {1u, 16u, 256u, 4096u}) {
    for (const JournalConfig& config : {kBenchConfig, kEngineConfig}) {
      MeasureGroup(dir, group, config, seconds, json);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
