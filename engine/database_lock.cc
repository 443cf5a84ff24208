#include "engine/database_lock.h"

namespace ringdb {

Result<std::unique_ptr<FileLock>> LockDatabase(Env* env, const std::string& path) {
  const std::string lock_path = path + "/LOCK";
  Env* const lock_env = env != nullptr ? env : Env::Default();
  std::unique_ptr<FileLock> lock;
  Status status = lock_env->LockFile(lock_path, &lock);
  if (status.IsBusy()) {
    return Status::Busy("database is in use: " + lock_path +
                        " is locked by another engine (in this or another process)");
  }
  if (!status.ok()) {
    return status;
  }
  return Result<std::unique_ptr<FileLock>>(std::move(lock));
}

}  // namespace ringdb
