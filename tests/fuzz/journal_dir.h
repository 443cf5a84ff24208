// The byte format the journal directory fuzzer reads, shared with the seed writer: a flags byte,
// then up to kMaxFiles files, each a 7-byte header and its bytes.
//
//   header: kind (low 2 bits: 0 segment, 1 ready pool file, 2 unready pool file, 3 quarantined
//           segment), segment id or pool counter (1 byte), first sequence (2 bytes LE, segments
//           only), length (2 bytes LE), zero padding (1 byte, in KiB)
//   bytes:  `length` bytes (fewer if the input ends), then zeros up to the padding, which is how
//           pre-written and recycled files look
//
// The file names are the journal's own (segment_name.h), so the scanner takes every file for what
// it claims to be. The options are small, so that a few KiB make several segments.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "journal/journal_options.h"
#include "journal/segment_name.h"

namespace ringdb::journal::fuzz {

inline constexpr size_t kMaxFiles = 8;
inline constexpr size_t kFileHeaderBytes = 7;
inline constexpr size_t kMaxPaddingKib = 16;
inline constexpr const char* kDir = "/fuzz/journal";

enum class FileKind : uint8_t { kSegment = 0, kReadyPool = 1, kUnreadyPool = 2, kQuarantined = 3 };

struct DirFile {
  std::string name;
  std::vector<std::byte> bytes;
};

// Options of the fuzzed journal; prewritten selects a pool of one pre-written file or none.
inline JournalOptions FuzzOptions(bool prewritten) {
  JournalOptions options;
  options.segment_size_bytes_max = 4 << 10;
  options.group_bytes_max = 2 << 10;
  options.record_bytes_max = 512;
  options.prewritten_segments = prewritten ? 1 : 0;
  return options;
}

inline std::string FileName(FileKind kind, uint8_t id, uint16_t first_sequence) {
  switch (kind) {
    case FileKind::kSegment:
      return FormatSegmentName(id, first_sequence);
    case FileKind::kReadyPool:
      return FormatPoolName(id, true);
    case FileKind::kUnreadyPool:
      return FormatPoolName(id, false);
    case FileKind::kQuarantined:
      break;
  }
  return FormatSegmentName(id, first_sequence) + std::string(kQuarantineSuffix);
}

// Decodes the files of an input (after its flags byte). Never allocates more than the input
// plus kMaxFiles * kMaxPaddingKib KiB of padding.
inline std::vector<DirFile> DecodeFiles(std::span<const uint8_t> input) {
  std::vector<DirFile> files;
  while (files.size() < kMaxFiles && input.size() >= kFileHeaderBytes) {
    const auto kind = static_cast<FileKind>(input[0] & 3);
    const uint8_t id = input[1];
    const auto first_sequence = static_cast<uint16_t>(input[2] | (input[3] << 8));
    size_t length = static_cast<size_t>(input[4] | (input[5] << 8));
    const size_t padded = std::min<size_t>(input[6], kMaxPaddingKib) << 10;
    input = input.subspan(kFileHeaderBytes);
    length = std::min(length, input.size());
    DirFile file;
    file.name = FileName(kind, id, first_sequence);
    const auto* bytes = reinterpret_cast<const std::byte*>(input.data());
    file.bytes.assign(bytes, bytes + length);
    if (file.bytes.size() < padded) {
      file.bytes.resize(padded, std::byte{0});
    }
    input = input.subspan(length);
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace ringdb::journal::fuzz
