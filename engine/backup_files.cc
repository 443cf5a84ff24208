#include "engine/backup_files.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "engine/directories.h"
#include "journal/record_format.h"

namespace ringdb::backup {

namespace {

constexpr std::string_view kMarkerText =
    "This directory holds a ringdb backup that did not finish. Engine::Open refuses it: delete\n"
    "the directory, or back up into it again.\n";

Status WithContext(const Status& status, const std::string& what) {
  return Status::FromCode(status.code(), "backup: " + what + ": " + std::string(status.message()));
}

std::string MarkerPath(const std::string& dir) { return dir + "/" + kIncompleteMarker; }

Status WriteMarker(Env* env, const std::string& dir) {
  std::unique_ptr<WritableFile> file;
  Status status = env->OpenWritable(MarkerPath(dir), OpenMode::kCreateOrOpen, &file);
  if (status.ok()) {
    status = file->Truncate(0);
  }
  if (status.ok()) {
    status = WriteFully(file.get(), 0, std::as_bytes(std::span(kMarkerText)));
  }
  if (status.ok()) {
    status = file->SyncAll();
  }
  if (status.ok()) {
    status = file->Close();
  }
  if (status.ok()) {
    status = env->SyncDir(dir);
  }
  return status.ok() ? status : WithContext(status, "writing " + MarkerPath(dir));
}

Status CopyBytes(const ReadableFile& in, WritableFile* out, const std::string& source,
                 uint64_t length) {
  std::vector<std::byte> buffer(size_t{1} << 20);
  for (uint64_t offset = 0; offset < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - offset));
    Result<uint64_t> got = in.ReadAt(offset, std::span(buffer.data(), want));
    if (!got.ok()) {
      return WithContext(got.status(), "reading " + source);
    }
    if (*got == 0) {
      // Shorter than the journal said: truncated or replaced since it was read.
      return Status::Corruption("backup: " + source + " ends at byte " + std::to_string(offset) +
                                ", before the " + std::to_string(length) + " bytes to copy");
    }
    if (Status status = WriteFully(out, offset, std::span(buffer.data(), *got)); !status.ok()) {
      return WithContext(status, "copying " + source);
    }
    offset += *got;
  }
  return Status::OK();
}

// InvalidArgument unless dir is missing or holds nothing but the marker and the lock file.
Status CheckEmptyEnough(Env* env, const std::string& dir) {
  if (!env->FileExists(dir)) {
    return Status::OK();
  }
  Result<std::vector<std::string>> entries = env->ListDir(dir);
  if (!entries.ok()) {
    return Status::InvalidArgument("backup: " + dir + " exists and cannot be listed as a " +
                                   "directory: " + std::string(entries.status().message()));
  }
  bool marked = false;
  bool other = false;
  for (const std::string& name : *entries) {
    marked |= name == kIncompleteMarker;
    other |= name != kIncompleteMarker && name != kLockFile;
  }
  if (other) {
    return Status::InvalidArgument(
        "backup: " + dir + " exists and is not empty" +
        (marked ? std::string(" (it holds the rest of a backup that did not finish: delete it)")
                : std::string()));
  }
  return Status::OK();
}

}  // namespace

Status Begin(Env* env, const std::string& dir, std::unique_ptr<FileLock>* lock) {
  if (dir.empty()) {
    return Status::InvalidArgument("backup: the target directory is empty");
  }
  Status status = CheckEmptyEnough(env, dir);
  if (status.ok()) {
    status = CreateDirectoriesDurably(env, dir, "backup");
  }
  if (!status.ok()) {
    return status;
  }
  // Held until the backup ends: a second backup into dir is Busy instead of mixing with this one.
  std::unique_ptr<FileLock> locked;
  status = env->LockFile(dir + "/" + kLockFile, &locked);
  if (!status.ok()) {
    return status.IsBusy()
               ? Status::Busy("backup: " + dir + " is locked by another backup or engine")
               : WithContext(status, "locking " + dir);
  }
  *lock = std::move(locked);
  // Again under the lock: a backup that held it before may have finished into dir meanwhile.
  status = CheckEmptyEnough(env, dir);
  if (!status.ok()) {
    lock->reset();
    return status;
  }
  return WriteMarker(env, dir);
}

Status CopySegmentPrefix(Env* env, const std::string& source, const std::string& target,
                         uint64_t length) {
  std::unique_ptr<ReadableFile> in;
  if (Status status = env->OpenReadable(source, &in); !status.ok()) {
    return env->FileExists(source) ? WithContext(status, "opening " + source)
                                   : Status::NotFound("backup: " + source + " is gone (retired)");
  }
  std::unique_ptr<WritableFile> out;
  if (Status status = env->OpenWritable(target, OpenMode::kCreateNew, &out); !status.ok()) {
    return WithContext(status, "creating " + target);
  }
  Status status = CopyBytes(*in, out.get(), source, length);
  const std::vector<std::byte> end_marker(journal::format::kEndMarkerBytes, std::byte{0});
  if (status.ok()) {
    status = WriteFully(out.get(), length, end_marker);
  }
  if (status.ok()) {
    status = out->SyncData();
  }
  if (status.ok()) {
    status = out->Close();
  }
  return status.ok() || status.message().starts_with("backup: ")
             ? status
             : WithContext(status, "writing " + target);
}

Status Finish(Env* env, const std::string& dir) {
  for (const std::string& synced : {dir + "/journal", dir}) {
    if (Status status = env->SyncDir(synced); !status.ok()) {
      return WithContext(status, "syncing " + synced);
    }
  }
  // The commit point: with the marker's removal durable, the directory is a database.
  Status status = env->DeleteFile(MarkerPath(dir));
  if (status.ok()) {
    status = env->SyncDir(dir);
  }
  return status.ok() ? status : WithContext(status, "removing " + MarkerPath(dir));
}

void Abandon(Env* env, const std::string& dir) {
  // The marker first, durably: whatever the removals below leave, the directory stays refused.
  if (!WriteMarker(env, dir).ok()) {
    return;
  }
  const std::string journal = dir + "/journal";
  if (Result<std::vector<std::string>> names = env->ListDir(journal); names.ok()) {
    for (const std::string& name : *names) {
      env->DeleteFile(journal + "/" + name).PermitUnchecked();
    }
    env->DeleteDir(journal).PermitUnchecked();
  }
  for (const char* name : {"OPTIONS", "OPTIONS.tmp"}) {
    if (env->FileExists(dir + "/" + name)) {
      env->DeleteFile(dir + "/" + name).PermitUnchecked();
    }
  }
  env->SyncDir(dir).PermitUnchecked();
}

void AbandonRocksDb(rocksdb::FileSystem* fs, const std::string& db_dir) {
  // db.tmp: where RocksDB's checkpoint writes before renaming it into place.
  for (const std::string& removed : {db_dir, db_dir + ".tmp"}) {
    std::vector<std::string> names;
    if (!fs->GetChildren(removed, rocksdb::IOOptions(), &names, /*dbg=*/nullptr).ok()) {
      continue;
    }
    for (const std::string& name : names) {
      fs->DeleteFile(removed + "/" + name, rocksdb::IOOptions(), /*dbg=*/nullptr)
          .PermitUncheckedError();
    }
    fs->DeleteDir(removed, rocksdb::IOOptions(), /*dbg=*/nullptr).PermitUncheckedError();
  }
}

Status CheckNotIncomplete(Env* env, const std::string& db_path) {
  if (!env->FileExists(MarkerPath(db_path))) {
    return Status::OK();
  }
  return Status::Corruption(db_path + " holds a backup that did not finish (" +
                            MarkerPath(db_path) +
                            " is present): it is not a database. Delete it, or back up into it "
                            "again");
}

Status Failed(const Status& status, const std::string& dir) {
  return Status::FromCode(status.code(), std::string(status.message()) + " (" + dir +
                                             " is marked as an unfinished backup, which every " +
                                             "open refuses)");
}

}  // namespace ringdb::backup
