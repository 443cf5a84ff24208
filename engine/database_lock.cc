#include "engine/database_lock.h"

namespace ringdb {

Status LockDatabase(Env* env, const std::string& path, std::unique_ptr<FileLock>* lock) {
  if (lock == nullptr) {
    return Status::InvalidArgument("LockDatabase: lock out-parameter is null");
  }
  lock->reset();
  const std::string lock_path = path + "/LOCK";
  Env* const lock_env = env != nullptr ? env : Env::Default();
  Status status = lock_env->LockFile(lock_path, lock);
  if (status.IsBusy()) {
    return Status::Busy("database is in use: " + lock_path +
                        " is locked by another engine (in this or another process)");
  }
  return status;
}

}  // namespace ringdb
