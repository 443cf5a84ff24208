#include "engine/database_lock.h"

namespace ringdb {

Result<std::unique_ptr<FileLock>> LockDatabase(Env* env, const std::string& path) {
  const std::string lock_path = path + "/LOCK";
  Env* const lock_env = env != nullptr ? env : Env::Default();
  Result<std::unique_ptr<FileLock>> lock = lock_env->LockFile(lock_path);
  if (!lock.ok() && lock.status().IsBusy()) {
    return Status::Busy("database is in use: " + lock_path +
                        " is locked by another engine (in this or another process)");
  }
  return lock;
}

}  // namespace ringdb
