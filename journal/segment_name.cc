#include "journal/segment_name.h"

#include <charconv>
#include <cstdio>

namespace ringdb::journal {
namespace {

constexpr size_t kDigits = 20;  // UINT64_MAX has 20 decimal digits.
constexpr std::string_view kSegmentSuffix = ".journal";
constexpr std::string_view kPoolPrefix = "pool-";
constexpr std::string_view kPoolSuffix = ".journal-pool";
constexpr std::string_view kReadySuffix = ".journal-ready";

std::string Digits(uint64_t value) {
  char text[kDigits + 1];
  std::snprintf(text, sizeof(text), "%020llu", static_cast<unsigned long long>(value));
  return std::string(text, kDigits);
}

std::optional<uint64_t> ParseDigits(std::string_view text) {
  if (text.size() != kDigits) {
    return std::nullopt;
  }
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string FormatSegmentName(uint64_t segment_id, uint64_t first_sequence) {
  return Digits(segment_id) + "-" + Digits(first_sequence) + std::string(kSegmentSuffix);
}

std::optional<SegmentName> ParseSegmentName(std::string_view name) {
  if (name.size() != kDigits * 2 + 1 + kSegmentSuffix.size() || name[kDigits] != '-' ||
      !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  const std::optional<uint64_t> id = ParseDigits(name.substr(0, kDigits));
  const std::optional<uint64_t> first = ParseDigits(name.substr(kDigits + 1, kDigits));
  if (!id || !first || *id == 0 || *first == 0) {
    return std::nullopt;
  }
  return SegmentName{*id, *first};
}

std::string FormatPoolName(uint64_t counter, bool ready) {
  return std::string(kPoolPrefix) + Digits(counter) +
         std::string(ready ? kReadySuffix : kPoolSuffix);
}

std::optional<PoolName> ParsePoolName(std::string_view name) {
  if (!name.starts_with(kPoolPrefix)) {
    return std::nullopt;
  }
  const bool ready = name.ends_with(kReadySuffix);
  if (!ready && !name.ends_with(kPoolSuffix)) {
    return std::nullopt;
  }
  name.remove_prefix(kPoolPrefix.size());
  name.remove_suffix(ready ? kReadySuffix.size() : kPoolSuffix.size());
  const std::optional<uint64_t> counter = ParseDigits(name);
  if (!counter) {
    return std::nullopt;
  }
  return PoolName{*counter, ready};
}

}  // namespace ringdb::journal
