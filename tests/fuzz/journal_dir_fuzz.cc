// libFuzzer target for whole journal directories: the bytes become a few segment and pool files
// (journal_dir.h) in an in-memory FaultInjectionEnv directory, which is then read by JournalReader
// in every recovery mode and opened by Journal::Open in every mode it accepts, each time on a
// fresh copy (opening truncates, deletes and renames). Nothing may crash, hang, read out of
// bounds or allocate according to a length read from the files (the CI run sets a malloc limit).
//
// Checked properties:
//   - the records a reader or a replay delivers have contiguous sequences (except in
//     skip-corrupted salvage) and payloads within record_bytes_max;
//   - a directory that absolute-consistency verification calls sound opens in every mode without
//     truncating or setting anything aside, and replays exactly the records the reader read;
//   - after any successful Open, a new transaction can be committed, and the directory then opens
//     under absolute consistency and replays through that transaction: recovery always leaves a
//     sound journal behind. Checked unless a pool file the journal adopts holds other bytes than
//     zeros: the journal's pool files are zero-filled or recycled segments of lower ids, and a
//     forged one could pass for records of the new segment;
//   - Journal::Open refuses skip-corrupted with InvalidArgument;
//   - salvage (tools/salvage.h) succeeds, keeps records whose sequences increase strictly, and
//     writes a new journal that opens under absolute consistency and replays exactly those
//     records, renumbered from 1 without holes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "journal_dir.h"
#include "test_util/fault_injection_env.h"
#include "tools/salvage.h"
#include "util/assert.h"

namespace {

using namespace ringdb;
using namespace ringdb::journal;

const std::string kSalvagedDir = "/fuzz/journal.salvage";

std::shared_ptr<spdlog::logger> QuietLogger() {
  static const auto logger = std::make_shared<spdlog::logger>("ringdb-fuzz");
  return logger;
}

std::unique_ptr<FaultInjectionEnv> MakeDir(const std::vector<fuzz::DirFile>& files) {
  auto env = std::make_unique<FaultInjectionEnv>();
  RINGDB_ASSERT(env->CreateDir(fuzz::kDir).ok());
  for (const fuzz::DirFile& file : files) {
    env->WriteAll(JoinPath(fuzz::kDir, file.name), file.bytes);
  }
  return env;
}

struct Collected {
  uint64_t records = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  bool contiguous = true;
};

std::function<Status(const Record&)> Collector(Collected* out, uint32_t record_bytes_max) {
  return [out, record_bytes_max](const Record& record) {
    RINGDB_ASSERT(record.count >= 1);
    RINGDB_ASSERT(record.payload.size() <= record_bytes_max);
    RINGDB_ASSERT(!record.segment.empty());
    if (out->records == 0) {
      out->first_sequence = record.first_sequence;
    } else if (record.first_sequence != out->last_sequence + 1) {
      out->contiguous = false;
    }
    out->last_sequence = record.first_sequence + record.count - 1;
    ++out->records;
    return Status::OK();
  };
}

JournalOptions OptionsFor(RecoveryMode mode, bool prewritten, Env* env) {
  JournalOptions options = fuzz::FuzzOptions(prewritten);
  options.recovery_mode = mode;
  options.create_if_missing = false;
  options.env = env;
  options.logger = QuietLogger();
  return options;
}

// Reads the directory with JournalReader (which changes nothing); returns whether verification
// found it sound.
bool ReadAll(Env* env, RecoveryMode mode, Collected* collected) {
  const JournalOptions options = OptionsFor(mode, false, env);
  std::unique_ptr<JournalReader> reader;
  RINGDB_ASSERT(JournalReader::Open(options, fuzz::kDir, &reader).ok());
  RecoveryReport verified;
  const Status verify = reader->Verify(&verified);
  RINGDB_ASSERT(verify.ok() || verify.IsCorruption());
  RecoveryReport read_report;
  const Status read = reader->Read(0, Collector(collected, options.record_bytes_max), &read_report);
  RINGDB_ASSERT(read.ok() || read.IsCorruption());
  RINGDB_ASSERT(read.ok() == verify.ok());
  if (mode != RecoveryMode::kSkipCorrupted) {
    RINGDB_ASSERT(collected->contiguous);
  }
  return verify.ok() && !verified.torn_tail_truncated && !verified.stopped_early;
}

// True when some pool file holds a non-zero byte.
bool PoolsHoldData(const std::vector<fuzz::DirFile>& files) {
  for (const fuzz::DirFile& file : files) {
    if (ParsePoolName(file.name).has_value()) {
      for (const std::byte byte : file.bytes) {
        if (byte != std::byte{0}) {
          return true;
        }
      }
    }
  }
  return false;
}

void OpenAll(const std::vector<fuzz::DirFile>& files, RecoveryMode mode, bool prewritten,
             const Collected* sound) {
  auto env = MakeDir(files);
  const JournalOptions options = OptionsFor(mode, prewritten, env.get());
  std::unique_ptr<Journal> journal;
  RecoveryReport report;
  const Status opened = Journal::Open(options, fuzz::kDir, &report, &journal);
  if (mode == RecoveryMode::kSkipCorrupted) {
    RINGDB_ASSERT(opened.IsInvalidArgument());
    return;
  }
  if (sound != nullptr) {
    RINGDB_ASSERT(opened.ok());
    RINGDB_ASSERT(!report.torn_tail_truncated && !report.stopped_early);
    RINGDB_ASSERT(report.quarantined_segments.empty());
  }
  if (!opened.ok()) {
    RINGDB_ASSERT(opened.IsCorruption() || opened.IsIOError());
    return;
  }
  const uint64_t last = journal->last_sequence();
  RINGDB_ASSERT(last == report.last_sequence);
  const uint64_t after = report.first_sequence > 0 ? report.first_sequence - 1 : 0;
  Collected replayed;
  const Status replay = journal->Replay(after, Collector(&replayed, options.record_bytes_max));
  if (!replay.ok()) {
    std::fprintf(stderr, "replay after recovery in mode %s: %s\n", RecoveryModeName(mode),
                 replay.ToString().c_str());
  }
  RINGDB_ASSERT(replay.ok());
  RINGDB_ASSERT(replayed.contiguous);
  RINGDB_ASSERT(replayed.records == 0 || replayed.last_sequence == last);
  if (sound != nullptr) {
    RINGDB_ASSERT(replayed.records == sound->records);
    RINGDB_ASSERT(replayed.first_sequence == sound->first_sequence);
    RINGDB_ASSERT(replayed.last_sequence == sound->last_sequence);
  }

  // Whatever recovery did, the journal it left takes a new transaction and reopens soundly.
  if (prewritten && PoolsHoldData(files)) {
    return;
  }
  const std::byte payload[] = {std::byte{'f'}, std::byte{'u'}, std::byte{'z'}, std::byte{'z'}};
  uint64_t sequence = 0;
  const Status added = journal->Add(1, payload, &sequence);
  RINGDB_ASSERT(added.ok());
  RINGDB_ASSERT(sequence == last + 1);
  RINGDB_ASSERT(journal->Commit().ok());
  journal.reset();
  const JournalOptions strict =
      OptionsFor(RecoveryMode::kAbsoluteConsistency, prewritten, env.get());
  RecoveryReport reopened_report;
  const Status reopened = Journal::Open(strict, fuzz::kDir, &reopened_report, &journal);
  if (!reopened.ok()) {
    std::fprintf(stderr, "reopen after recovery in mode %s: %s\n", RecoveryModeName(mode),
                 reopened.ToString().c_str());
  }
  RINGDB_ASSERT(reopened.ok());
  RINGDB_ASSERT(journal->last_sequence() == sequence);
  Collected after_commit;
  RINGDB_ASSERT(
      journal->Replay(sequence - 1, Collector(&after_commit, options.record_bytes_max)).ok());
  RINGDB_ASSERT(after_commit.records == 1 && after_commit.first_sequence == sequence);
}

// What salvage keeps of the directory, read with ReadSalvageable.
struct Kept {
  std::vector<std::vector<std::byte>> payloads;
  uint64_t sequences = 0;  // Sum of the kept records' counts: the new journal's last sequence.
  tool::SalvageCounts counts;
};

Kept ReadKept(const std::vector<fuzz::DirFile>& files) {
  auto env = MakeDir(files);
  const JournalOptions options = OptionsFor(RecoveryMode::kSkipCorrupted, false, env.get());
  Kept kept;
  uint64_t last_kept = 0;
  const Status read = tool::ReadSalvageable(
      options, fuzz::kDir, 0,
      [&](const Record& record) {
        RINGDB_ASSERT(record.first_sequence > last_kept);
        last_kept = record.first_sequence + record.count - 1;
        kept.payloads.emplace_back(record.payload.begin(), record.payload.end());
        kept.sequences += record.count;
        return Status::OK();
      },
      &kept.counts);
  RINGDB_ASSERT(read.ok());
  RINGDB_ASSERT(kept.counts.kept == kept.payloads.size());
  return kept;
}

// The salvaged journal opens under absolute consistency and replays what salvage kept.
void ExpectSalvagedJournal(Env* env, bool prewritten, const Kept& kept, uint64_t last) {
  const JournalOptions strict = OptionsFor(RecoveryMode::kAbsoluteConsistency, prewritten, env);
  std::unique_ptr<Journal> journal;
  RecoveryReport report;
  const Status opened = Journal::Open(strict, kSalvagedDir, &report, &journal);
  if (!opened.ok()) {
    std::fprintf(stderr, "salvaged journal: %s\n", opened.ToString().c_str());
  }
  RINGDB_ASSERT(opened.ok());
  RINGDB_ASSERT(journal->last_sequence() == last);
  uint64_t next = 1;
  size_t index = 0;
  const Status replay = journal->Replay(0, [&](const Record& record) {
    RINGDB_ASSERT(record.first_sequence == next && index < kept.payloads.size());
    RINGDB_ASSERT(std::equal(record.payload.begin(), record.payload.end(),
                             kept.payloads[index].begin(), kept.payloads[index].end()));
    next += record.count;
    ++index;
    return Status::OK();
  });
  RINGDB_ASSERT(replay.ok());
  RINGDB_ASSERT(index == kept.payloads.size() && next == last + 1);
}

void SalvageAll(const std::vector<fuzz::DirFile>& files, bool prewritten) {
  const Kept kept = ReadKept(files);
  auto env = MakeDir(files);
  const JournalOptions options = OptionsFor(RecoveryMode::kSkipCorrupted, prewritten, env.get());
  uint64_t last = 0;
  tool::SalvageCounts counts;
  const Status written =
      tool::WriteSalvagedJournal(options, fuzz::kDir, kSalvagedDir, &last, &counts);
  if (!written.ok()) {
    std::fprintf(stderr, "salvage: %s\n", written.ToString().c_str());
  }
  RINGDB_ASSERT(written.ok());
  RINGDB_ASSERT(counts.kept == kept.counts.kept);
  RINGDB_ASSERT(counts.dropped_out_of_order == kept.counts.dropped_out_of_order);
  RINGDB_ASSERT(last == kept.sequences);
  ExpectSalvagedJournal(env.get(), prewritten, kept, last);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const bool prewritten = (data[0] & 1) != 0;
  const std::vector<fuzz::DirFile> files = fuzz::DecodeFiles(std::span(data + 1, size - 1));

  Collected sound_records;
  bool sound = false;
  {
    const auto env = MakeDir(files);
    sound = ReadAll(env.get(), RecoveryMode::kAbsoluteConsistency, &sound_records);
    for (const RecoveryMode mode : {RecoveryMode::kTolerateTornTail, RecoveryMode::kPointInTime,
                                    RecoveryMode::kSkipCorrupted}) {
      Collected collected;
      ReadAll(env.get(), mode, &collected);
    }
  }
  for (const RecoveryMode mode :
       {RecoveryMode::kAbsoluteConsistency, RecoveryMode::kTolerateTornTail,
        RecoveryMode::kPointInTime, RecoveryMode::kSkipCorrupted}) {
    OpenAll(files, mode, prewritten, sound ? &sound_records : nullptr);
  }
  SalvageAll(files, prewritten);
  return 0;
}
