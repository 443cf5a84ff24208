#include "engine/directories.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "engine/rocksdb_status.h"

namespace ringdb {

namespace {

// dir's missing ancestors and itself, deepest first, by `exists`.
template <typename Exists>
Result<std::vector<std::filesystem::path>> Missing(const std::string& dir, const std::string& what,
                                                   Exists exists) {
  std::error_code error;
  // Not normalised: "link/../x" is x beside the link's target, as the system resolves it, not
  // "./x".
  std::filesystem::path path = std::filesystem::absolute(dir, error);
  if (error) {
    return Status::InvalidArgument(what + ": " + dir + " is not a usable path: " + error.message());
  }
  while (!path.has_filename() && path.has_relative_path()) {
    path = path.parent_path();  // "a/b/" is "a/b".
  }
  std::vector<std::filesystem::path> missing;
  for (; !path.empty() && !exists(path.string()); path = path.parent_path()) {
    missing.push_back(path);
    if (path == path.root_path()) {
      break;
    }
  }
  return missing;
}

}  // namespace

Status CreateDirectoriesDurably(Env* env, const std::string& dir, const std::string& what) {
  Result<std::vector<std::filesystem::path>> missing =
      Missing(dir, what, [env](const std::string& path) { return env->FileExists(path); });
  if (!missing.ok()) {
    return missing.status();
  }
  for (auto made = missing->rbegin(); made != missing->rend(); ++made) {
    Status status = env->CreateDir(made->string());
    if (status.ok() && made->has_parent_path()) {
      status = env->SyncDir(made->parent_path().string());
    }
    if (!status.ok()) {
      return Status::FromCode(status.code(), what + ": creating " + made->string() + ": " +
                                                 std::string(status.message()));
    }
  }
  return Status::OK();
}

Status CreateRocksDbDirectoriesDurably(rocksdb::FileSystem* fs, const std::string& dir,
                                       const std::string& what) {
  Result<std::vector<std::filesystem::path>> missing =
      Missing(dir, what, [fs](const std::string& path) {
        return !fs->FileExists(path, rocksdb::IOOptions(), /*dbg=*/nullptr).IsNotFound();
      });
  if (!missing.ok()) {
    return missing.status();
  }
  for (auto made = missing->rbegin(); made != missing->rend(); ++made) {
    const rocksdb::IOStatus created =
        fs->CreateDirIfMissing(made->string(), rocksdb::IOOptions(), /*dbg=*/nullptr);
    if (!created.ok()) {
      return Status::IOError(what + ": creating " + made->string() +
                             " for RocksDB: " + RocksDbErrorText(created));
    }
    if (made->has_parent_path()) {
      if (Status synced = SyncRocksDbDirectory(fs, made->parent_path().string(), what);
          !synced.ok()) {
        return synced;
      }
    }
  }
  return Status::OK();
}

Status SyncRocksDbDirectory(rocksdb::FileSystem* fs, const std::string& dir,
                            const std::string& what) {
  std::unique_ptr<rocksdb::FSDirectory> directory;
  rocksdb::IOStatus status =
      fs->NewDirectory(dir, rocksdb::IOOptions(), &directory, /*dbg=*/nullptr);
  if (status.ok()) {
    status = directory->Fsync(rocksdb::IOOptions(), /*dbg=*/nullptr);
  }
  return status.ok() ? Status::OK()
                     : Status::IOError(what + ": syncing " + dir +
                                       " for RocksDB: " + RocksDbErrorText(status));
}

}  // namespace ringdb
