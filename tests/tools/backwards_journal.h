// A journal whose sequences go backwards, as a damaged one can: point-in-time recovery cut the
// log after sequence 15 (sequence 16 was damaged) and set the later segments aside, new records
// 16..25 were written after the cut, then the segments set aside were renamed back:
//
//   segment 1: 1..12   segment 2: 13..15   segment 3: 25..36   segment 4: 37..40   segment
//   5: 16..25
//
// Segment 3 and segment 5 do not follow their predecessors, so only skip-corrupted reading goes
// through them, and it delivers 1..15, 25..40, 16..25. Each record holds one transaction, a put of
// old/<sequence> or new/<index>. Written through any Env: the in-memory one or the disk.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "journal/record_format.h"
#include "journal/segment_builder.h"
#include "journal/segment_name.h"
#include "ringdb/env.h"
#include "ringdb/write_batch.h"

namespace ringdb::testing {

inline constexpr uint64_t kBackwardsKept = 31;     // 1..15 and 25..40.
inline constexpr uint64_t kBackwardsDropped = 10;  // The new 16..25: not above 40.
inline constexpr uint64_t kBackwardsSkipped = 2;   // Segments 3 and 5 do not link.

inline std::string BackwardsKey(bool new_round, uint64_t index) {
  char key[32];
  std::snprintf(key, sizeof(key), "%s/%03llu", new_round ? "new" : "old",
                static_cast<unsigned long long>(index));
  return key;
}

inline std::string BackwardsTransaction(bool new_round, uint64_t index) {
  WriteBatch batch;
  batch.Put(BackwardsKey(new_round, index), "value of " + BackwardsKey(new_round, index));
  return std::string(batch.encoded());
}

// The keys salvage keeps, in the order it keeps them.
inline std::vector<std::string> BackwardsKeptKeys() {
  std::vector<std::string> keys;
  for (uint64_t sequence = 1; sequence <= 40; ++sequence) {
    if (sequence <= 15 || sequence >= 25) {
      keys.push_back(BackwardsKey(false, sequence));
    }
  }
  return keys;
}

using SegmentFiles = std::map<std::string, std::vector<std::byte>>;

// Adds segment `id` holding sequences first..last (old/<sequence>, or new/1.. when new_round),
// chained to *checksum, which it then updates.
inline void AddBackwardsSegment(uint64_t id, uint64_t first, uint64_t last, bool new_round,
                                uint32_t* checksum, SegmentFiles* files) {
  journal::testing::SegmentBuilder builder(id, first, *checksum);
  for (uint64_t sequence = first; sequence <= last; ++sequence) {
    const std::string bytes =
        BackwardsTransaction(new_round, new_round ? sequence - first + 1 : sequence);
    builder.AddTransaction(std::as_bytes(std::span(bytes)));
  }
  builder.bytes.resize(builder.bytes.size() + journal::format::kEndMarkerBytes);
  *checksum = builder.last_checksum();
  (*files)[journal::FormatSegmentName(id, first)] = std::move(builder.bytes);
}

inline SegmentFiles BackwardsSegments() {
  SegmentFiles files;
  uint32_t chain = 0;
  AddBackwardsSegment(1, 1, 12, false, &chain, &files);
  AddBackwardsSegment(2, 13, 15, false, &chain, &files);
  uint32_t after_cut = chain;
  AddBackwardsSegment(3, 25, 36, false, &chain, &files);
  AddBackwardsSegment(4, 37, 40, false, &chain, &files);
  AddBackwardsSegment(5, 16, 25, true, &after_cut, &files);
  return files;
}

// Writes the segments into dir (created), through env.
inline void WriteBackwardsJournal(Env* env, const std::string& dir) {
  ASSERT_TRUE(env->CreateDir(dir).ok());
  for (const auto& [name, bytes] : BackwardsSegments()) {
    std::unique_ptr<WritableFile> file;
    const Status status =
        env->OpenWritable(journal::JoinPath(dir, name), OpenMode::kCreateNew, &file);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_TRUE(WriteFully(file.get(), 0, bytes).ok());
    ASSERT_TRUE(file->SyncData().ok());
    ASSERT_TRUE(file->Close().ok());
  }
  ASSERT_TRUE(env->SyncDir(dir).ok());
}

}  // namespace ringdb::testing
