// Journal's recovery actions: what Journal::Open does to a journal directory between reading it
// and writing to it. It makes what it reads durable first, checks its decision against the state
// built on the journal, and keeps what it cuts from the log in damaged/ (see journal.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "journal/journal.h"
#include "journal/journal_head.h"
#include "journal/journal_scanner.h"
#include "journal/record_format.h"
#include "journal/segment_name.h"
#include "util/assert.h"

namespace ringdb::journal {

Status Journal::SyncBeforeRecovery() {
  // A process killed after writing a group but before its fdatasync leaves the group in the page
  // cache: readable, but not on the disk. Recovery must not replay it, or chain new segments to
  // it, until it is durable, or a later power loss takes away what everything since builds on.
  Env* env = options_.env;
  Result<std::vector<std::string>> names = env->ListDir(dir_);
  if (!names.ok()) {
    return names.status();
  }
  for (const std::string& name : *names) {
    if (!ParseSegmentName(name).has_value()) {
      continue;
    }
    Result<std::unique_ptr<WritableFile>> file =
        env->OpenWritable(JoinPath(dir_, name), OpenMode::kOpenExisting);
    if (!file.ok()) {
      return file.status();
    }
    if (Status status = (*file)->SyncAll(); !status.ok()) {
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

uint64_t Journal::TornBytesBound(const ScannedSegment& segment, const ScanOutcome& outcome) const {
  // A torn write damages at most the one group being written, and its end marker.
  const uint64_t group_end = segment.end_offset + options_.group_bytes_max +
                             2 * uint64_t{format::kRecordHeaderBytes} + format::kEndMarkerBytes;
  return std::min(segment.file_size_bytes, std::max(group_end, outcome.tail_records_end));
}

Status Journal::ApplyRecoveryActions(const ScanOutcome& outcome, RecoveryReport* report) {
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
  Result<std::unique_ptr<ReadableFile>> file =
      from_device ? env->OpenReadableFromDevice(path) : env->OpenReadable(path);
  if (!file.ok()) {
    return file.status();
  }
  out->assign(end - begin, std::byte{0});
  Result<uint64_t> read = (*file)->ReadAt(begin, *out);
  if (!read.ok()) {
    return read.status();
  }
  out->resize(*read);
  return Status::OK();
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
    Result<std::unique_ptr<WritableFile>> kept = env->OpenWritable(path, OpenMode::kCreateNew);
    if (!kept.ok()) {
      return kept.status();
    }
    status = WriteFully(kept->get(), 0, bytes);
    if (status.ok()) {
      status = (*kept)->SyncAll();
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
  Result<std::unique_ptr<WritableFile>> file = env->OpenWritable(path, OpenMode::kOpenExisting);
  if (!file.ok()) {
    return file.status();
  }
  const std::vector<std::byte> zeros(std::min<uint64_t>(zero_end - segment.end_offset, 1 << 20));
  RINGDB_ASSERT(!zeros.empty());
  for (uint64_t offset = segment.end_offset; offset < zero_end; offset += zeros.size()) {
    const uint64_t size = std::min<uint64_t>(zeros.size(), zero_end - offset);
    if (Status status = WriteFully(file->get(), offset, std::span(zeros).first(size));
        !status.ok()) {
      return status;
    }
  }
  return (*file)->SyncAll();
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
