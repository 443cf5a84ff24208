#include "ringdb/status.h"

namespace ringdb {

const char* Status::CodeName(Code code) noexcept {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "NotFound";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kConflict:
      return "Conflict";
    case Code::kBusy:
      return "Busy";
    case Code::kTimedOut:
      return "TimedOut";
    case Code::kAborted:
      return "Aborted";
    case Code::kIOError:
      return "IOError";
    case Code::kCorruption:
      return "Corruption";
    case Code::kNotSupported:
      return "NotSupported";
    case Code::kUnknown:
      return "Unknown";
  }
  return "InvalidCode";
}

std::string Status::ToString() const {
  if (ok()) {
    return "OK";
  }
  std::string text = CodeName(code());
  text += ": ";
  text += message();
  return text;
}

}  // namespace ringdb
