// ringdb::Status: the outcome of every operation that can fail.
//
// A Status is a small value type. Success carries no allocation (the state pointer is null), so
// returning Status::OK() on a hot path is free; a failure carries a code and a message that names
// what was wrong (the option, the key size, the segment and byte offset). The class is
// [[nodiscard]]: ignoring a returned Status is a compile-time warning, an error in ringdb's build.
//
// Thread safety: a Status is a value; distinct objects may be used from different threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ringdb {

class [[nodiscard]] Status {
 public:
  // The codes, with when each one is used. Callers branch on the predicates below.
  enum class Code : uint8_t {
    kOk = 0,
    // The key does not exist. Not an error for a read: the caller asked and the answer is no.
    kNotFound = 1,
    // The caller passed something that can never succeed (a bad option, an empty key, a claim of
    // zero slots). Retrying the same call fails the same way.
    kInvalidArgument = 2,
    // A precondition of a transaction did not hold when it was applied; nothing of the transaction
    // was written. Retrying after re-reading the state may succeed.
    kConflict = 3,
    // The resource is momentarily full (TryClaim on a full ring). Retrying later may succeed.
    kBusy = 4,
    // A deadline passed before the operation could complete. Nothing was claimed or changed by the
    // timed-out call itself; a transaction already published keeps going.
    kTimedOut = 5,
    // The operation was abandoned: the ring or engine was closed, or a claim was aborted.
    kAborted = 6,
    // The operating system reported an error (write, fdatasync, open, ENOSPC). After a failed
    // write or sync, the engine refuses writes until it is reopened; it never retries the sync.
    kIOError = 7,
    // Stored data failed a check (checksum, chain, sequence). The message names the segment, the
    // byte offset and the sequence.
    kCorruption = 8,
    // The operation is valid but not offered by this build or this configuration.
    kNotSupported = 9,
    // The outcome could not be determined (for example, a token read long after its outcome was
    // recycled). The operation may or may not have taken effect.
    kUnknown = 10,
  };

  Status() noexcept = default;
  Status(const Status& other)
      : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) {
      state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
    }
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() noexcept { return Status(); }
  static Status NotFound(std::string_view message) { return Status(Code::kNotFound, message); }
  static Status InvalidArgument(std::string_view message) {
    return Status(Code::kInvalidArgument, message);
  }
  static Status Conflict(std::string_view message) { return Status(Code::kConflict, message); }
  static Status Busy(std::string_view message) { return Status(Code::kBusy, message); }
  static Status TimedOut(std::string_view message) { return Status(Code::kTimedOut, message); }
  static Status Aborted(std::string_view message) { return Status(Code::kAborted, message); }
  static Status IOError(std::string_view message) { return Status(Code::kIOError, message); }
  static Status Corruption(std::string_view message) { return Status(Code::kCorruption, message); }
  static Status NotSupported(std::string_view message) {
    return Status(Code::kNotSupported, message);
  }
  static Status Unknown(std::string_view message) { return Status(Code::kUnknown, message); }
  // Builds a status from a code; Code::kOk gives OK and ignores the message.
  static Status FromCode(Code code, std::string_view message) {
    return code == Code::kOk ? Status() : Status(code, message);
  }

  bool ok() const noexcept { return state_ == nullptr; }
  bool IsNotFound() const noexcept { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const noexcept { return code() == Code::kInvalidArgument; }
  bool IsConflict() const noexcept { return code() == Code::kConflict; }
  bool IsBusy() const noexcept { return code() == Code::kBusy; }
  bool IsTimedOut() const noexcept { return code() == Code::kTimedOut; }
  bool IsAborted() const noexcept { return code() == Code::kAborted; }
  bool IsIOError() const noexcept { return code() == Code::kIOError; }
  bool IsCorruption() const noexcept { return code() == Code::kCorruption; }
  bool IsNotSupported() const noexcept { return code() == Code::kNotSupported; }
  bool IsUnknown() const noexcept { return code() == Code::kUnknown; }

  Code code() const noexcept { return state_ ? state_->code : Code::kOk; }
  // The message alone, without the code's name; empty for OK.
  std::string_view message() const noexcept {
    return state_ ? std::string_view(state_->message) : std::string_view();
  }
  // "OK", or the code's name, ": " and the message, e.g. "InvalidArgument: ring_slot_count ...".
  std::string ToString() const;
  static const char* CodeName(Code code) noexcept;

  // Marks a status as deliberately ignored, where that is the right thing (a best-effort cleanup
  // on an error path). Greppable, unlike a cast to void.
  void PermitUnchecked() const noexcept {}

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view message)
      : state_(std::make_unique<State>(State{code, std::string(message)})) {}

  std::unique_ptr<State> state_;
};

inline bool operator==(const Status& a, Status::Code code) noexcept { return a.code() == code; }

}  // namespace ringdb
