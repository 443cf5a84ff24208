// Journal's recovery actions: what Journal::Open does to a journal directory between reading it
// and writing to it. It makes what it reads durable first, checks its decision against the state
// built on the journal, and keeps what it cuts from the log in damaged/ (see journal.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include <spdlog/spdlog.h>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/journal_scanner.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "util/assert.h"

namespace ringdb::journal {

const char* Journal::EndCheckName(EndCheck check) {
  switch (check) {
    case EndCheck::kCleanClose:
      return "closed cleanly, no device read";
    case EndCheck::kDeviceRegion:
      return "its last group checked on the device";
    case EndCheck::kDeviceScan:
      return "its last segment read from the device";
  }
  return "invalid";
}

namespace {

// The scan found a sound log ending in zeros or at the end of a file: nothing to cut, set aside or
// report.
bool EndsClean(const ScanOutcome& outcome, const RecoveryReport& report) {
  return !outcome.truncate_tail && outcome.delete_segment.empty() && outcome.quarantine.empty() &&
         report.corruption.ok() && !report.stopped_early && !report.torn_tail_truncated;
}

}  // namespace

Status Journal::ScanForRecovery(const std::optional<JournalHead>& head, RecoveryReport* report,
                                ScanOutcome* outcome, EndCheck* end_check) {
  // Unsynced writes give none of the guarantees the cheaper checks rest on: not this journal's
  // (sync_mode no-sync), nor those before this HEAD was written, unless HEAD says they were synced
  // (a HEAD written in no-sync mode, or by a version that did not record it, does not).
  const bool synced_writes =
      options_.sync_mode == SyncMode::kFdatasync && head.has_value() && head->synced_writes;
  const bool clean_head = synced_writes && head.has_value() && head->clean;
  bool synced = false;
  if (!clean_head) {
    if (Status status = SyncBeforeRecovery(!synced_writes /*every_segment*/); !status.ok()) {
      return status;
    }
    synced = true;
  }
  Status status =
      synced_writes ? ScanOnce(head, false /*last_from_device*/, report, outcome) : Status::OK();
  if (synced_writes && status.ok() && EndsClean(*outcome, *report)) {
    if (clean_head && report->closed_cleanly) {
      // A clean close comes after every group's fdatasync succeeded (a failed one fails the
      // journal, which then never closes cleanly), and nothing was written since: the page cache
      // holds what the device holds.
      *end_check = EndCheck::kCleanClose;
      return Status::OK();
    }
    if (!clean_head) {
      // Every group before the last one was synced before the next was written, so only the
      // last one, and what lies past it, can differ between the cache and the device.
      bool same = false;
      if (Status compared = LastGroupMatchesDevice(*outcome, &same); !compared.ok()) {
        return compared;
      }
      if (same) {
        *end_check = EndCheck::kDeviceRegion;
        return Status::OK();
      }
      logger_->warn(
          "ringdb journal: the end of {} in the page cache differs from the device (a write-back "
          "failed); reading it from the device",
          outcome->segments.back().name);
    }
  }
  // The general path: a damaged, torn or unclean end, or a cache that disagrees with the device.
  if (!synced) {
    if (Status sync = SyncBeforeRecovery(!synced_writes /*every_segment*/); !sync.ok()) {
      return sync;
    }
  }
  *end_check = EndCheck::kDeviceScan;
  return ScanOnce(head, true /*last_from_device*/, report, outcome);
}

Status Journal::ScanOnce(const std::optional<JournalHead>& head, bool last_from_device,
                         RecoveryReport* report, ScanOutcome* outcome) {
  JournalScanner scanner(options_.env, dir_, options_.record_bytes_max, options_.recovery_mode,
                         logger_.get());
  scanner.UseHead(head);
  if (last_from_device) {
    scanner.ReadLastSegmentFromDevice();
  }
  return scanner.Scan(UINT64_MAX, nullptr, report, outcome);
}

Status Journal::SyncBeforeRecovery(bool every_segment) {
  // A process killed after writing a group but before its fdatasync leaves the group in the page
  // cache: readable, but not on the disk. Recovery must not replay it, or chain new segments to
  // it, until it is durable, or a later power loss takes away what everything since builds on.
  // Only the newest segment can hold such a group: a segment gets a successor only after its last
  // group was synced. Each fsync costs a device flush even when nothing is dirty, so the others
  // are left alone unless the journal's writes were never synced.
  Env* env = options_.env;
  Result<std::vector<std::string>> names = env->ListDir(dir_);
  if (!names.ok()) {
    return names.status();
  }
  std::vector<std::pair<SegmentName, std::string>> segments;
  for (const std::string& name : *names) {
    if (const std::optional<SegmentName> parsed = ParseSegmentName(name)) {
      segments.emplace_back(*parsed, name);
    }
  }
  // The scanner's order: by id, then first sequence.
  std::sort(segments.begin(), segments.end(), [](const auto& a, const auto& b) {
    return a.first.segment_id != b.first.segment_id
               ? a.first.segment_id < b.first.segment_id
               : a.first.first_sequence < b.first.first_sequence;
  });
  const size_t first = every_segment || segments.empty() ? 0 : segments.size() - 1;
  for (size_t index = first; index < segments.size(); ++index) {
    const std::string& name = segments[index].second;
    std::unique_ptr<WritableFile> file;
    if (Status status = env->OpenWritable(JoinPath(dir_, name), OpenMode::kOpenExisting, &file);
        !status.ok()) {
      return status;
    }
    if (Status status = file->SyncAll(); !status.ok()) {
      return Status::IOError("recovery could not make " + name +
                             " durable before reading it: " + status.ToString());
    }
  }
  return env->SyncDir(dir_);
}

Status Journal::CheckAppliedSequence(const ScanOutcome& outcome) const {
  const uint64_t last = outcome.segments.empty() ? 0 : outcome.segments.back().last_sequence;
  if (last >= options_.applied_sequence) {
    return Status::OK();
  }
  std::string why = "the journal in " + dir_ + " would end at sequence " + std::to_string(last) +
                    " after recovery (mode " + RecoveryModeName(options_.recovery_mode) +
                    "), before sequence " + std::to_string(options_.applied_sequence) +
                    " that the database already holds: records it depends on are damaged or "
                    "missing. Nothing was changed; salvage (recover --mode skip-corrupted) can "
                    "read what is left";
  return Status::Corruption(why);
}

uint64_t Journal::DeviceCheckEnd(uint64_t end_offset) const {
  // A torn write damages at most the one group being written, and its end marker.
  return end_offset + options_.group_bytes_max + 2 * uint64_t{format::kRecordHeaderBytes} +
         format::kEndMarkerBytes;
}

uint64_t Journal::TornBytesBound(const ScannedSegment& segment, const ScanOutcome& outcome) const {
  return std::min(segment.file_size_bytes,
                  std::max(DeviceCheckEnd(segment.end_offset), outcome.tail_records_end));
}

Status Journal::ApplyRecoveryActions(const ScanOutcome& outcome, EndCheck end_check,
                                     RecoveryReport* report) {
  Env* env = options_.env;
  const bool newest_changes = !outcome.quarantine.empty() || !outcome.delete_segment.empty();
  if (newest_changes) {
    // HEAD first: if a crash comes between, it names a segment still present (or none).
    JournalHead head;
    if (!outcome.segments.empty()) {
      const ScannedSegment& newest = outcome.segments.back();
      head.newest_segment_id = newest.segment_id;
      head.newest_first_sequence = newest.first_sequence;
      head.newest_size_bytes = newest.file_size_bytes;
    }
    head.synced_writes = options_.sync_mode == SyncMode::kFdatasync;  // Synced before the scan.
    if (Status status = WriteJournalHead(env, dir_, head); !status.ok()) {
      return status;
    }
  }
  bool directory_changed = false;
  for (const std::string& name : outcome.quarantine) {
    logger_->error("ringdb journal: setting aside {} as {}{}", name, name, kQuarantineSuffix);
    const std::string path = JoinPath(dir_, name);
    if (Status status = env->RenameFile(path, path + std::string(kQuarantineSuffix));
        !status.ok()) {
      return status;
    }
    directory_changed = true;
  }
  if (!outcome.delete_segment.empty()) {
    logger_->warn("ringdb journal: setting aside {}: its header was torn by an interrupted write",
                  outcome.delete_segment);
    if (Status status = MoveAside(outcome.delete_segment, report); !status.ok()) {
      return status;
    }
    directory_changed = true;
  }
  if (directory_changed) {
    if (Status status = env->SyncDir(dir_); !status.ok()) {
      return status;
    }
  }
  if (outcome.segments.empty()) {
    return Status::OK();
  }
  const ScannedSegment& last = outcome.segments.back();
  if (outcome.truncate_tail) {
    const bool point_in_time = !report->torn_tail_truncated;
    const uint64_t end = point_in_time ? last.file_size_bytes : TornBytesBound(last, outcome);
    return CutTail(last, end, point_in_time ? "point-in-time stop" : "torn tail", report);
  }
  if (end_check != EndCheck::kDeviceScan) {
    return Status::OK();  // The bytes past the end were compared with the device already.
  }
  return DropCacheOnlyBytes(last, report);
}

namespace {

constexpr std::string_view kDamagedDirName = "damaged";
// Set-aside files kept in damaged/: the newest ones; crashes must not pile files up.
constexpr size_t kDamagedFilesKept = 8;

std::string DamagedName(const std::string& name, uint64_t offset) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  // Seconds first, fixed width: names sort oldest first.
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "%020lld", static_cast<long long>(seconds));
  return std::string(prefix) + "-" + name + "-from-" + std::to_string(offset);
}

Status ReadRange(Env* env, const std::string& path, bool from_device, uint64_t begin, uint64_t end,
                 std::vector<std::byte>* out) {
  std::unique_ptr<ReadableFile> file;
  if (Status status =
          from_device ? env->OpenReadableFromDevice(path, &file) : env->OpenReadable(path, &file);
      !status.ok()) {
    return status;
  }
  out->assign(end - begin, std::byte{0});
  Result<uint64_t> read = file->ReadAt(begin, *out);
  if (!read.ok()) {
    return read.status();
  }
  out->resize(*read);
  return Status::OK();
}

// Memory aligned for O_DIRECT reads (a device's logical block size; 4096 covers the common ones).
constexpr std::align_val_t kDeviceAlignment{4096};
struct AlignedDelete {
  void operator()(std::byte* bytes) const { ::operator delete[](bytes, kDeviceAlignment); }
};
using AlignedBytes = std::unique_ptr<std::byte[], AlignedDelete>;
AlignedBytes AllocateAligned(uint64_t size_bytes) {
  return AlignedBytes(static_cast<std::byte*>(::operator new[](size_bytes, kDeviceAlignment)));
}

bool AllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

// Length of bytes up to and including its last non-zero byte.
uint64_t NonZeroPrefix(std::span<const std::byte> bytes) {
  uint64_t size = bytes.size();
  while (size > 0 && bytes[size - 1] == std::byte{0}) {
    --size;
  }
  return size;
}

// A name in damaged/ that no earlier set-aside file has (ids of set-aside segments may be used
// again, and names carry only seconds).
std::string UniqueDamagedName(Env* env, const std::string& damaged_dir, const std::string& name,
                              uint64_t offset) {
  const std::string base = DamagedName(name, offset);
  std::string candidate = base;
  for (int suffix = 2; suffix < 1000 && env->FileExists(JoinPath(damaged_dir, candidate));
       ++suffix) {
    candidate = base + "-" + std::to_string(suffix);
  }
  return candidate;
}

}  // namespace

Status Journal::LastGroupMatchesDevice(const ScanOutcome& outcome, bool* same) {
  RINGDB_ASSERT(same != nullptr);
  *same = true;
  if (outcome.segments.empty()) {
    return Status::OK();
  }
  const ScannedSegment& last = outcome.segments.back();
  RINGDB_ASSERT(last.last_group_offset <= last.end_offset);
  const std::string path = JoinPath(dir_, last.name);
  std::unique_ptr<ReadableFile> cached;
  if (Status status = options_.env->OpenReadable(path, &cached); !status.ok()) {
    return status;
  }
  std::unique_ptr<ReadableFile> device;
  if (Status status = options_.env->OpenReadableFromDevice(path, &device); !status.ok()) {
    return status;
  }
  // Two buffers reused chunk after chunk: on a virtual machine first-touching fresh memory costs
  // more than reading it (segment_source.h). Block-aligned, so a device read can go straight in.
  constexpr uint64_t kChunkBytes = uint64_t{1} << 20;
  const AlignedBytes cached_bytes = AllocateAligned(kChunkBytes);
  const AlignedBytes device_bytes = AllocateAligned(kChunkBytes);
  const uint64_t end = std::min(last.file_size_bytes, DeviceCheckEnd(last.end_offset));
  // From the block holding the group's first byte: whole blocks go straight into the buffer, and
  // the bytes before the group, synced with the group before it, must match as well.
  const uint64_t begin = last.last_group_offset / 4096 * 4096;
  // Bounded: each pass moves at least one byte forward or returns.
  for (uint64_t offset = begin; offset < end;) {
    const uint64_t want = std::min(kChunkBytes, end - offset);
    Result<uint64_t> from_cache =
        cached->ReadAt(offset, std::span<std::byte>(cached_bytes.get(), want));
    if (!from_cache.ok()) {
      return from_cache.status();
    }
    Result<uint64_t> from_device =
        device->ReadAt(offset, std::span<std::byte>(device_bytes.get(), want));
    if (!from_device.ok()) {
      return from_device.status();
    }
    if (*from_cache != *from_device ||
        std::memcmp(cached_bytes.get(), device_bytes.get(), *from_cache) != 0) {
      *same = false;
      return Status::OK();
    }
    if (*from_cache < want) {
      return Status::OK();  // Both end here: the file is shorter than it was when scanned.
    }
    offset += want;
  }
  return Status::OK();
}

Status Journal::ZeroRange(WritableFile* file, uint64_t begin, uint64_t end) {
  RINGDB_ASSERT(begin < end);
  const std::vector<std::byte> zeros(std::min<uint64_t>(end - begin, 1 << 20));
  for (uint64_t offset = begin; offset < end; offset += zeros.size()) {
    const uint64_t size = std::min<uint64_t>(zeros.size(), end - offset);
    if (Status status = WriteFully(file, offset, std::span(zeros).first(size)); !status.ok()) {
      return status;
    }
  }
  return Status::OK();
}

Status Journal::MoveAside(const std::string& name, RecoveryReport* report) {
  Env* env = options_.env;
  const std::string damaged_dir = JoinPath(dir_, kDamagedDirName);
  if (Status status = env->CreateDir(damaged_dir); !status.ok()) {
    return status;
  }
  const std::string target = UniqueDamagedName(env, damaged_dir, name, 0);
  if (Status status = env->RenameFile(JoinPath(dir_, name), JoinPath(damaged_dir, target));
      !status.ok()) {
    return status;
  }
  report->set_aside_files.push_back(std::string(kDamagedDirName) + "/" + target);
  if (Status status = env->SyncDir(damaged_dir); !status.ok()) {
    return status;
  }
  return PruneDamaged();
}

Status Journal::KeepInDamaged(const std::string& name, uint64_t offset,
                              std::span<const std::byte> bytes, std::string* kept_as,
                              RecoveryReport* report) {
  Env* env = options_.env;
  const std::string damaged_dir = JoinPath(dir_, kDamagedDirName);
  if (Status status = env->CreateDir(damaged_dir); !status.ok()) {
    return status;
  }
  const std::string target = UniqueDamagedName(env, damaged_dir, name, offset);
  const std::string path = JoinPath(damaged_dir, target);
  Status status = Status::OK();
  {
    std::unique_ptr<WritableFile> kept;
    status = env->OpenWritable(path, OpenMode::kCreateNew, &kept);
    if (!status.ok()) {
      return status;
    }
    status = WriteFully(kept.get(), 0, bytes);
    if (status.ok()) {
      status = kept->SyncAll();
    }
  }
  if (status.ok()) {
    status = env->SyncDir(damaged_dir);
  }
  if (status.ok()) {
    status = env->SyncDir(dir_);
  }
  if (!status.ok()) {
    env->DeleteFile(path).PermitUnchecked();  // A part of a copy keeps nothing.
    return status;
  }
  *kept_as = "kept as " + path;
  report->set_aside_files.push_back(std::string(kDamagedDirName) + "/" + target);
  return PruneDamaged();
}

Status Journal::CutTail(const ScannedSegment& segment, uint64_t end, const std::string& why,
                        RecoveryReport* report) {
  Env* env = options_.env;
  const std::string path = JoinPath(dir_, segment.name);
  if (end <= segment.end_offset) {
    return Status::OK();
  }
  std::vector<std::byte> device;
  std::vector<std::byte> cached;
  if (Status status = ReadRange(env, path, true, segment.end_offset, end, &device); !status.ok()) {
    return status;
  }
  if (Status status = ReadRange(env, path, false, segment.end_offset, end, &cached); !status.ok()) {
    return status;
  }
  // Only what is not zero in either view is rewritten: holes of a sparse segment stay holes, so
  // the cut needs no free space beyond the blocks it overwrites.
  const uint64_t zero_end =
      segment.end_offset + std::max(NonZeroPrefix(device), NonZeroPrefix(cached));
  std::string kept_as = "all zeros, nothing kept";
  if (!AllZero(device)) {
    const std::span<const std::byte> kept =
        std::span<const std::byte>(device).first(NonZeroPrefix(device));
    if (Status status = KeepInDamaged(segment.name, segment.end_offset, kept, &kept_as, report);
        !status.ok()) {
      if (report->stopped_early) {
        // A point-in-time stop may cut acknowledged records: never without a copy.
        return status;
      }
      // A torn group was never acknowledged: losing its copy must not keep the database shut.
      logger_->error("ringdb journal: could not keep the torn tail of {} in {}/: {}", segment.name,
                     kDamagedDirName, status.ToString());
      kept_as = "not kept: " + status.ToString();
    }
  }
  logger_->warn("ringdb journal: cutting {} at byte offset {} after sequence {} ({}: {} bytes, {})",
                segment.name, segment.end_offset, segment.last_sequence, why,
                zero_end - segment.end_offset, kept_as);
  if (zero_end == segment.end_offset) {
    return Status::OK();
  }
  // Zeroed in place, not truncated: the segment keeps the length HEAD records, and the write
  // replaces whatever the page cache held there.
  std::unique_ptr<WritableFile> file;
  if (Status status = env->OpenWritable(path, OpenMode::kOpenExisting, &file); !status.ok()) {
    return status;
  }
  // The next Open compares only [its last group, DeviceCheckEnd) with the device. Zeros beyond
  // that go to the disk first: if their write-back fails, the bytes the next Open does compare
  // still hold what was cut, and it reads the segment from the device again.
  const uint64_t checked_end = std::min(zero_end, DeviceCheckEnd(segment.end_offset));
  if (checked_end < zero_end) {
    if (Status status = ZeroRange(file.get(), checked_end, zero_end); !status.ok()) {
      return status;
    }
    if (Status status = file->SyncAll(); !status.ok()) {
      return status;
    }
  }
  if (Status status = ZeroRange(file.get(), segment.end_offset, checked_end); !status.ok()) {
    return status;
  }
  return file->SyncAll();
}

Status Journal::DropCacheOnlyBytes(const ScannedSegment& segment, RecoveryReport* report) {
  const std::string path = JoinPath(dir_, segment.name);
  const uint64_t end = TornBytesBound(segment, ScanOutcome{});
  if (end <= segment.end_offset) {
    return Status::OK();
  }
  std::vector<std::byte> cached;
  std::vector<std::byte> device;
  if (Status status = ReadRange(options_.env, path, false, segment.end_offset, end, &cached);
      !status.ok()) {
    return status;
  }
  if (Status status = ReadRange(options_.env, path, true, segment.end_offset, end, &device);
      !status.ok()) {
    return status;
  }
  if (cached == device) {
    return Status::OK();
  }
  logger_->error(
      "ringdb journal: the page cache holds bytes of {} past byte offset {} that the device does "
      "not (a write-back failed after they were written); they were never durable and are cut",
      segment.name, segment.end_offset);
  return CutTail(segment, end, "bytes only the page cache held", report);
}

Status Journal::PruneDamaged() {
  Env* env = options_.env;
  const std::string damaged_dir = JoinPath(dir_, kDamagedDirName);
  Result<std::vector<std::string>> names = env->ListDir(damaged_dir);
  if (!names.ok()) {
    return names.status();
  }
  std::sort(names->begin(), names->end());
  if (names->size() <= kDamagedFilesKept) {
    return Status::OK();
  }
  for (size_t index = 0; index + kDamagedFilesKept < names->size(); ++index) {
    logger_->warn("ringdb journal: deleting {}/{}: only the newest {} set-aside files are kept",
                  damaged_dir, (*names)[index], kDamagedFilesKept);
    if (Status status = env->DeleteFile(JoinPath(damaged_dir, (*names)[index])); !status.ok()) {
      return status;
    }
  }
  return env->SyncDir(damaged_dir);
}

}  // namespace ringdb::journal
