#include "engine/database_lock.h"

namespace ringdb {

Result<std::unique_ptr<FileLock>> LockDatabase(Env* env, const std::string& path) {
  const std::string lock_path = path + "/LOCK";
  Result<std::unique_ptr<FileLock>> lock = (env != nullptr ? env : Env::Default())->LockFile(lock_path);
  if (!lock.ok() && lock.status().IsBusy()) {
    return Status::Busy("database is in use: " + lock_path +
                        " is locked by another engine (in this or another process)");
  }
  return lock;
}

}  // namespace ringdb
