// PowerCutEnv: a FaultInjectionEnv whose power goes at a chosen step, for sweeps that cut a
// multi-step write (OPTIONS, a backup) at every step in turn.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ringdb/env.h"
#include "test_util/fault_injection_env.h"

namespace ringdb {

// Cuts the power of a FaultInjectionEnv just before its n-th call that changes a file or a
// directory (opening for writing, a write, a sync, a close, a rename, a delete, a directory
// sync), so that a sweep over n reaches every step of a write.
class PowerCutEnv final : public Env {
 public:
  // cut_at 0: no countdown. also_cut_when: asked before each such call; when it answers true (the
  // other file layer of the same machine lost its power), this one is cut too, at once.
  PowerCutEnv(FaultInjectionEnv* base, uint64_t cut_at, std::function<bool()> also_cut_when = {})
      : base_(base), countdown_(cut_at), also_cut_when_(std::move(also_cut_when)) {}
  bool cut() const { return cut_.load(); }
  // Starts (or restarts) the countdown: the power goes just before the n-th call from now.
  void Arm(uint64_t n) { countdown_.store(n); }
  // Called once, right after this layer's cut, to cut the machine's other layer with it.
  void OnCut(std::function<void()> on_cut) { on_cut_ = std::move(on_cut); }

  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override {
    Tick();
    std::unique_ptr<WritableFile> file;
    if (Status status = base_->OpenWritable(path, mode, &file); !status.ok()) {
      out->reset();
      return status;
    }
    *out = std::make_unique<File>(this, std::move(file));
    return Status::OK();
  }
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    return base_->OpenReadable(path, out);
  }
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override {
    return base_->OpenReadableFromDevice(path, out);
  }
  Status CreateDir(const std::string& path) override {
    Tick();
    return base_->CreateDir(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Status DeleteFile(const std::string& path) override {
    Tick();
    return base_->DeleteFile(path);
  }
  Status DeleteDir(const std::string& path) override {
    Tick();
    return base_->DeleteDir(path);
  }
  Status RenameFile(const std::string& source, const std::string& target) override {
    Tick();
    return base_->RenameFile(source, target);
  }
  Status SyncDir(const std::string& path) override {
    Tick();
    return base_->SyncDir(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override {
    return base_->LockFile(path, out);
  }

 private:
  class File final : public WritableFile {
   public:
    File(PowerCutEnv* env, std::unique_ptr<WritableFile> base)
        : env_(env), base_(std::move(base)) {}
    Result<uint64_t> WriteAt(uint64_t offset, std::span<const std::byte> data) override {
      env_->Tick();
      return base_->WriteAt(offset, data);
    }
    Status SyncData() override {
      env_->Tick();
      return base_->SyncData();
    }
    Status SyncAll() override {
      env_->Tick();
      return base_->SyncAll();
    }
    Status Truncate(uint64_t size_bytes) override {
      env_->Tick();
      return base_->Truncate(size_bytes);
    }
    Result<uint64_t> Size() const override { return base_->Size(); }
    Status Close() override {
      env_->Tick();
      return base_->Close();
    }

   private:
    PowerCutEnv* env_;
    std::unique_ptr<WritableFile> base_;
  };

  void Tick() {
    uint64_t left = countdown_.load();
    while (left > 0 && !countdown_.compare_exchange_weak(left, left - 1)) {
    }
    if ((left == 1 || (also_cut_when_ && also_cut_when_())) && !cut_.exchange(true)) {
      base_->CutPower();
      if (on_cut_) {
        on_cut_();
      }
    }
  }

  FaultInjectionEnv* base_;
  std::atomic<uint64_t> countdown_;
  std::function<bool()> also_cut_when_;
  std::function<void()> on_cut_;
  std::atomic<bool> cut_{false};
};

}  // namespace ringdb
