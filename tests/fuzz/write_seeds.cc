// Writes the seed corpora of the options and journal directory fuzzers:
//
//   build-fuzz/tests/fuzz/fuzz_seed_writer tests/fuzz/corpus
//
// The journal seeds are journals written by Journal itself into a FaultInjectionEnv, then
// encoded in journal_dir.h's format: sound ones (one segment, several with a pool file, some
// retired), and the damage recovery must tell apart (a torn tail, a flipped bit, a torn segment
// header, a point-in-time leftover, a damaged segment header); one, sequences going backwards,
// is built record by record. The options seeds are OPTIONS files and raw field bytes.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "engine/options_file.h"
#include "journal/journal.h"
#include "journal/record_format.h"
#include "journal_dir.h"
#include "ringdb/options.h"
#include "test_util/fault_injection_env.h"
#include "tests/journal/segment_builder.h"
#include "util/assert.h"

namespace {

using namespace ringdb;
using namespace ringdb::journal;
namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  RINGDB_ASSERT(out.good());
}

// Encodes one file of the directory; trailing zeros of a whole number of KiB become padding.
void EncodeFile(const std::string& name, std::vector<std::byte> bytes, std::string* out) {
  uint8_t kind = 0;
  uint8_t id = 0;
  uint16_t first_sequence = 0;
  std::string base = name;
  if (base.ends_with(kQuarantineSuffix)) {
    base.resize(base.size() - kQuarantineSuffix.size());
    kind = static_cast<uint8_t>(fuzz::FileKind::kQuarantined);
  }
  if (const auto segment = ParseSegmentName(base)) {
    RINGDB_ASSERT(segment->segment_id <= 255 && segment->first_sequence <= 65535);
    id = static_cast<uint8_t>(segment->segment_id);
    first_sequence = static_cast<uint16_t>(segment->first_sequence);
  } else if (const auto pool = ParsePoolName(name)) {
    RINGDB_ASSERT(pool->counter <= 255);
    kind = static_cast<uint8_t>(pool->ready ? fuzz::FileKind::kReadyPool
                                            : fuzz::FileKind::kUnreadyPool);
    id = static_cast<uint8_t>(pool->counter);
  } else {
    return;  // LOCK and anything else the fuzzer does not model.
  }
  uint8_t padding_kib = 0;
  if (bytes.size() % 1024 == 0 && bytes.size() / 1024 <= 255) {
    padding_kib = static_cast<uint8_t>(bytes.size() / 1024);
    while (!bytes.empty() && bytes.back() == std::byte{0}) {
      bytes.pop_back();
    }
  }
  RINGDB_ASSERT(bytes.size() <= 65535);
  const uint8_t header[fuzz::kFileHeaderBytes] = {kind,
                                                  id,
                                                  static_cast<uint8_t>(first_sequence & 0xff),
                                                  static_cast<uint8_t>(first_sequence >> 8),
                                                  static_cast<uint8_t>(bytes.size() & 0xff),
                                                  static_cast<uint8_t>(bytes.size() >> 8),
                                                  padding_kib};
  out->append(reinterpret_cast<const char*>(header), sizeof(header));
  out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string EncodeDir(FaultInjectionEnv* env, bool prewritten) {
  std::string out(1, static_cast<char>(prewritten ? 1 : 0));
  Result<std::vector<std::string>> names = env->ListDir(fuzz::kDir);
  RINGDB_ASSERT(names.ok());
  for (const std::string& name : *names) {
    Result<std::vector<std::byte>> bytes = env->ReadAll(JoinPath(fuzz::kDir, name));
    RINGDB_ASSERT(bytes.ok());
    EncodeFile(name, std::move(*bytes), &out);
  }
  return out;
}

// A journal of `groups` commit groups of `per_group` records each, `payload_bytes` apiece.
std::unique_ptr<FaultInjectionEnv> MakeJournal(bool prewritten, int groups, int per_group,
                                               size_t payload_bytes, uint64_t retire_through) {
  auto env = std::make_unique<FaultInjectionEnv>();
  JournalOptions options = fuzz::FuzzOptions(prewritten);
  options.env = env.get();
  options.logger = std::make_shared<spdlog::logger>("seed-writer");
  std::unique_ptr<Journal> journal;
  RINGDB_ASSERT(Journal::Open(options, fuzz::kDir, nullptr, &journal).ok());
  uint64_t sequence = 0;
  for (int group = 0; group < groups; ++group) {
    for (int index = 0; index < per_group; ++index) {
      std::vector<std::byte> payload(payload_bytes);
      for (size_t byte = 0; byte < payload.size(); ++byte) {
        payload[byte] = static_cast<std::byte>((group * 31 + index * 7 + byte) & 0xff);
      }
      Status added = journal->Add(1, payload, &sequence);
      if (added.IsBusy()) {  // The segment is full: commit, and the next group rolls.
        RINGDB_ASSERT(journal->Commit().ok());
        added = journal->Add(1, payload, &sequence);
      }
      RINGDB_ASSERT(added.ok());
    }
    RINGDB_ASSERT(journal->Commit().ok());
  }
  if (retire_through > 0) {
    RINGDB_ASSERT(journal->Retire(retire_through).ok());
  }
  journal.reset();
  env->DeleteFile(JoinPath(fuzz::kDir, std::string(kLockName))).PermitUnchecked();
  return env;
}

std::string LastSegment(FaultInjectionEnv* env) {
  std::string last;
  const Result<std::vector<std::string>> names = env->ListDir(fuzz::kDir);
  for (const std::string& name : *names) {
    if (ParseSegmentName(name).has_value() && name > last) {
      last = name;
    }
  }
  RINGDB_ASSERT(!last.empty());
  return last;
}

std::string FirstSegment(FaultInjectionEnv* env) {
  std::string first;
  const Result<std::vector<std::string>> names = env->ListDir(fuzz::kDir);
  for (const std::string& name : *names) {
    if (ParseSegmentName(name).has_value() && (first.empty() || name < first)) {
      first = name;
    }
  }
  RINGDB_ASSERT(!first.empty());
  return first;
}

// The name of the index-th segment, in log order.
std::string SegmentAt(FaultInjectionEnv* env, size_t index) {
  std::vector<std::string> segments;
  const Result<std::vector<std::string>> names = env->ListDir(fuzz::kDir);
  for (const std::string& name : *names) {
    if (ParseSegmentName(name).has_value()) {
      segments.push_back(name);
    }
  }
  std::sort(segments.begin(), segments.end());
  RINGDB_ASSERT(index < segments.size());
  return segments[index];
}

// Appends segment `id` of sequences first..last, chained to *checksum (then updated), encoded.
void EncodeBuiltSegment(uint64_t id, uint64_t first, uint64_t last, uint32_t* checksum,
                        std::string* out) {
  journal::testing::SegmentBuilder builder(id, first, *checksum);
  for (uint64_t sequence = first; sequence <= last; ++sequence) {
    builder.AddTransaction(static_cast<std::byte>(sequence));
  }
  builder.bytes.resize(builder.bytes.size() + format::kEndMarkerBytes);
  *checksum = builder.last_checksum();
  EncodeFile(FormatSegmentName(id, first), std::move(builder.bytes), out);
}

// Bytes of a segment up to its end marker (the pre-written zeros dropped).
std::vector<std::byte> Written(FaultInjectionEnv* env, const std::string& name) {
  std::vector<std::byte> bytes = *env->ReadAll(JoinPath(fuzz::kDir, name));
  while (!bytes.empty() && bytes.back() == std::byte{0}) {
    bytes.pop_back();
  }
  return bytes;
}

void WriteJournalSeeds(const fs::path& dir) {
  fs::create_directories(dir);
  WriteFile(dir / "empty_dir", std::string(1, '\0'));
  {
    auto env = MakeJournal(false, 3, 2, 40, 0);
    WriteFile(dir / "sound_one_segment", EncodeDir(env.get(), false));
  }
  {
    auto env = MakeJournal(true, 20, 4, 40, 0);
    WriteFile(dir / "sound_segments_and_pool", EncodeDir(env.get(), true));
  }
  {
    auto env = MakeJournal(false, 20, 4, 40, 40);
    WriteFile(dir / "sound_after_retire", EncodeDir(env.get(), false));
  }
  {
    // The last group torn in the middle of its second record.
    auto env = MakeJournal(false, 4, 3, 60, 0);
    const std::string last = LastSegment(env.get());
    std::vector<std::byte> bytes = Written(env.get(), last);
    bytes.resize(bytes.size() - 70);
    env->WriteAll(JoinPath(fuzz::kDir, last), bytes);
    WriteFile(dir / "torn_tail", EncodeDir(env.get(), false));
  }
  {
    // One flipped bit in the first of several segments: corruption, not a torn tail.
    auto env = MakeJournal(false, 20, 4, 40, 0);
    const std::string first = FirstSegment(env.get());
    std::vector<std::byte> bytes = *env->ReadAll(JoinPath(fuzz::kDir, first));
    bytes[bytes.size() / 2] ^= std::byte{0x10};
    env->WriteAll(JoinPath(fuzz::kDir, first), bytes);
    WriteFile(dir / "bit_flip_first_segment", EncodeDir(env.get(), false));
  }
  {
    // A new segment whose header was being written when the writer stopped.
    auto env = MakeJournal(false, 20, 4, 40, 0);
    const std::string last = LastSegment(env.get());
    const auto parsed = ParseSegmentName(last);
    std::vector<std::byte> header = Written(env.get(), last);
    header.resize(30);
    env->WriteAll(JoinPath(fuzz::kDir, FormatSegmentName(parsed->segment_id + 1, 81)), header);
    WriteFile(dir / "torn_segment_header", EncodeDir(env.get(), false));
  }
  {
    // What point-in-time recovery leaves: a quarantined segment beside the valid log.
    auto env = MakeJournal(true, 20, 4, 40, 0);
    const std::string last = LastSegment(env.get());
    std::vector<std::byte> bytes = *env->ReadAll(JoinPath(fuzz::kDir, last));
    RINGDB_ASSERT(env->DeleteFile(JoinPath(fuzz::kDir, last)).ok());
    env->WriteAll(JoinPath(fuzz::kDir, last + std::string(kQuarantineSuffix)), bytes);
    WriteFile(dir / "quarantined_segment", EncodeDir(env.get(), true));
  }
  {
    // The header record of a middle segment damaged, its records intact: salvage reads them.
    auto env = MakeJournal(false, 20, 4, 40, 0);
    const std::string middle = SegmentAt(env.get(), 1);
    std::vector<std::byte> bytes = *env->ReadAll(JoinPath(fuzz::kDir, middle));
    bytes[format::kRecordHeaderBytes + 20] ^= std::byte{0x08};
    env->WriteAll(JoinPath(fuzz::kDir, middle), bytes);
    WriteFile(dir / "damaged_segment_header", EncodeDir(env.get(), false));
  }
  {
    // Sequences going backwards, as when segments set aside by point-in-time recovery are renamed
    // back next to the segment written after the cut: 1..9, 13..24, 10..15.
    std::string out(1, '\0');
    uint32_t chain = 0;
    EncodeBuiltSegment(1, 1, 6, &chain, &out);
    EncodeBuiltSegment(2, 7, 9, &chain, &out);
    uint32_t after_cut = chain;
    EncodeBuiltSegment(3, 13, 18, &chain, &out);
    EncodeBuiltSegment(4, 19, 24, &chain, &out);
    EncodeBuiltSegment(5, 10, 15, &after_cut, &out);
    WriteFile(dir / "segments_going_backwards", out);
  }
}

void WriteOptionsSeeds(const fs::path& dir) {
  fs::create_directories(dir);
  const Options defaults;
  WriteFile(dir / "text_defaults", std::string(1, '\0') + FormatOptions(defaults, 1u << 20));
  Options small;
  small.ring_slot_count = 1024;
  small.ring_chunk_count = 2;
  small.transaction_bytes_max = 8192;
  small.value_bytes_max = 4096;
  small.key_bytes_max = 256;
  small.journal_segment_bytes_max = 1u << 20;
  small.recovery_mode = ringdb::RecoveryMode::kPointInTime;
  small.checkpoint_journal_bytes = 1u << 20;
  WriteFile(dir / "text_small", std::string(1, '\0') + FormatOptions(small, 0));
  WriteFile(dir / "text_malformed",
            std::string(1, '\0') + "# ringdb\nring_slot_count = -1\nwait_strategy = 300\n");
  // Raw fields, in the order options_fuzz.cc reads them.
  std::string fields(1, '\1');
  const auto put = [&fields](const auto& value) {
    fields.append(reinterpret_cast<const char*>(&value), sizeof(value));
  };
  put(defaults.ring_slot_count);
  put(defaults.ring_chunk_count);
  put(static_cast<uint8_t>(defaults.wait_strategy));
  put(defaults.key_bytes_max);
  put(defaults.value_bytes_max);
  put(defaults.transaction_bytes_max);
  put(defaults.journal_segment_bytes_max);
  put(static_cast<uint8_t>(defaults.sync_mode));
  put(static_cast<uint8_t>(defaults.recovery_mode));
  put(defaults.journal_prewritten_segments);
  put(defaults.checkpoint_journal_bytes);
  put(defaults.journal_retention_transactions);
  put(uint8_t{1});
  put(uint8_t{0});
  put(uint32_t{0});
  WriteFile(dir / "fields_defaults", fields);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  WriteJournalSeeds(corpus / "journal_dir");
  WriteOptionsSeeds(corpus / "options");
  std::printf("seeds written under %s\n", corpus.c_str());
  return 0;
}
