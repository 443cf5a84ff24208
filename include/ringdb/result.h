// ringdb::Result<T>: a value or the Status saying why there is none.
//
// A Result never holds an OK status without a value: constructing one from Status::OK() is a
// programmer error and aborts. value() on a failed Result aborts too; check ok() first.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "ringdb/status.h"

namespace ringdb {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like StatusOr.
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design.
    if (status_.ok()) {
      std::fprintf(stderr, "ringdb: Result constructed from an OK status without a value\n");
      std::abort();
    }
  }

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const noexcept { return status_; }

  T& value() & {
    CheckHasValue();
    return *value_;
  }
  const T& value() const& {
    CheckHasValue();
    return *value_;
  }
  T&& value() && {
    CheckHasValue();
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void CheckHasValue() const {
    if (!value_.has_value()) {
      DieOnFailedValue(Status(status_));
    }
  }
  // Takes a copy, so that the Result's own address never escapes to an out-of-line call: the
  // compiler can then keep a Result in registers on the success path.
  [[noreturn, gnu::cold, gnu::noinline]] static void DieOnFailedValue(Status status) {
    std::fprintf(stderr, "ringdb: value() on a failed Result: %s\n", status.ToString().c_str());
    std::abort();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace ringdb
