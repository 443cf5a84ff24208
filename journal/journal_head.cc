#include "journal/journal_head.h"

#include <array>
#include <cstddef>

#include "journal/crc32c.h"
#include "journal/segment_name.h"
#include "util/assert.h"
#include "util/coding.h"

namespace ringdb::journal {
namespace {

using coding::Get;
using coding::Put;

// Layout, little-endian like the records (docs/journal_format.md):
constexpr uint32_t kMagicOffset = 0;         // u64 kHeadMagic
constexpr uint32_t kVersionOffset = 8;       // u32 kHeadVersion
constexpr uint32_t kFlagsOffset = 12;        // u32, bit 0: clean close, bit 1: synced writes
constexpr uint32_t kNewestIdOffset = 16;     // u64
constexpr uint32_t kNewestFirstOffset = 24;  // u64
constexpr uint32_t kNewestSizeOffset = 32;   // u64
constexpr uint32_t kCleanEndOffset = 40;     // u64
constexpr uint32_t kCleanLastSequence = 48;  // u64
constexpr uint32_t kCleanLastChecksum = 56;  // u32
constexpr uint32_t kChecksumOffset = 60;     // u32, masked CRC32C of bytes [0, 60)
constexpr uint32_t kHeadBytes = 64;
constexpr uint64_t kHeadMagic = 0x3144414548424452ull;  // "RDBHEAD1" little-endian.
constexpr uint32_t kHeadVersion = 1;
constexpr uint32_t kFlagClean = 1;
constexpr uint32_t kFlagSyncedWrites = 2;

using Bytes = std::array<std::byte, kHeadBytes>;

Bytes Encode(const JournalHead& head) {
  Bytes bytes{};
  Put<uint64_t>(&bytes[kMagicOffset], kHeadMagic);
  Put<uint32_t>(&bytes[kVersionOffset], kHeadVersion);
  Put<uint32_t>(&bytes[kFlagsOffset],
                (head.clean ? kFlagClean : 0) | (head.synced_writes ? kFlagSyncedWrites : 0));
  Put<uint64_t>(&bytes[kNewestIdOffset], head.newest_segment_id);
  Put<uint64_t>(&bytes[kNewestFirstOffset], head.newest_first_sequence);
  Put<uint64_t>(&bytes[kNewestSizeOffset], head.newest_size_bytes);
  Put<uint64_t>(&bytes[kCleanEndOffset], head.clean_end_offset);
  Put<uint64_t>(&bytes[kCleanLastSequence], head.clean_last_sequence);
  Put<uint32_t>(&bytes[kCleanLastChecksum], head.clean_last_checksum);
  Put<uint32_t>(&bytes[kChecksumOffset],
                crc32c::Mask(crc32c::Value(std::span(bytes).first(kChecksumOffset))));
  return bytes;
}

Status Decode(const std::string& path, std::span<const std::byte> bytes, JournalHead* head) {
  const auto damaged = [&](const std::string& what) {
    return Status::Corruption("journal head " + path + ": " + what +
                              "; the journal cannot tell whether its newest segment is whole");
  };
  if (bytes.size() != kHeadBytes) {
    return damaged(std::to_string(bytes.size()) + " bytes, expected " + std::to_string(kHeadBytes));
  }
  const uint32_t stored = Get<uint32_t>(&bytes[kChecksumOffset]);
  if (crc32c::Unmask(stored) != crc32c::Value(bytes.first(kChecksumOffset))) {
    return damaged("checksum mismatch");
  }
  if (Get<uint64_t>(&bytes[kMagicOffset]) != kHeadMagic) {
    return damaged("bad magic");
  }
  if (const uint32_t version = Get<uint32_t>(&bytes[kVersionOffset]); version != kHeadVersion) {
    return damaged("unknown version " + std::to_string(version));
  }
  const uint32_t flags = Get<uint32_t>(&bytes[kFlagsOffset]);
  if ((flags & ~(kFlagClean | kFlagSyncedWrites)) != 0) {
    return damaged("unknown flags " + std::to_string(flags));
  }
  head->clean = (flags & kFlagClean) != 0;
  head->synced_writes = (flags & kFlagSyncedWrites) != 0;
  head->newest_segment_id = Get<uint64_t>(&bytes[kNewestIdOffset]);
  head->newest_first_sequence = Get<uint64_t>(&bytes[kNewestFirstOffset]);
  head->newest_size_bytes = Get<uint64_t>(&bytes[kNewestSizeOffset]);
  head->clean_end_offset = Get<uint64_t>(&bytes[kCleanEndOffset]);
  head->clean_last_sequence = Get<uint64_t>(&bytes[kCleanLastSequence]);
  head->clean_last_checksum = Get<uint32_t>(&bytes[kCleanLastChecksum]);
  return Status::OK();
}

}  // namespace

Status WriteJournalHead(Env* env, const std::string& dir, const JournalHead& head) {
  RINGDB_ASSERT(env != nullptr);
  RINGDB_ASSERT(!head.clean || head.newest_segment_id != 0);
  const std::string temp = JoinPath(dir, kHeadTempName);
  std::unique_ptr<WritableFile> file;
  if (Status status = env->OpenWritable(temp, OpenMode::kCreateOrOpen, &file); !status.ok()) {
    return status;
  }
  const Bytes bytes = Encode(head);
  if (Status status = WriteFully(file.get(), 0, bytes); !status.ok()) {
    return status;
  }
  if (Status status = file->Truncate(kHeadBytes); !status.ok()) {
    return status;
  }
  if (Status status = file->SyncAll(); !status.ok()) {
    return status;
  }
  if (Status status = file->Close(); !status.ok()) {
    return status;
  }
  if (Status status = env->RenameFile(temp, JoinPath(dir, kHeadName)); !status.ok()) {
    return status;
  }
  return env->SyncDir(dir);
}

Status ReadJournalHead(Env* env, const std::string& dir, std::optional<JournalHead>* head) {
  RINGDB_ASSERT(env != nullptr);
  RINGDB_ASSERT(head != nullptr);
  head->reset();
  const std::string path = JoinPath(dir, kHeadName);
  if (!env->FileExists(path)) {
    return Status::OK();
  }
  std::unique_ptr<ReadableFile> file;
  if (Status status = env->OpenReadable(path, &file); !status.ok()) {
    return status;
  }
  std::array<std::byte, kHeadBytes + 1> bytes{};  // One more: a longer file is damage too.
  Result<uint64_t> read = file->ReadAt(0, bytes);
  if (!read.ok()) {
    return read.status();
  }
  JournalHead decoded;
  if (Status status = Decode(path, std::span(bytes).first(*read), &decoded); !status.ok()) {
    return status;
  }
  *head = decoded;
  return Status::OK();
}

}  // namespace ringdb::journal
