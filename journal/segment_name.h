// File names in a journal directory.
//
//   <segment id, 20 digits>-<first sequence, 20 digits>.journal   a segment
//   pool-<counter, 20 digits>.journal-pool                         a recycled file, not yet zeroed
//   pool-<counter, 20 digits>.journal-ready                        zero-filled and synced: ready
//   <segment name>.quarantined                                     set aside by point-in-time
//                                                                  recovery
//   LOCK                                                           held by the one writer
//
// Fixed-width decimal so that `ls` sorts segments in order and a reader sees each segment's first
// sequence without opening it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringdb::journal {

struct SegmentName {
  uint64_t segment_id = 0;
  uint64_t first_sequence = 0;
};

std::string FormatSegmentName(uint64_t segment_id, uint64_t first_sequence);
std::optional<SegmentName> ParseSegmentName(std::string_view name);
struct PoolName {
  uint64_t counter = 0;
  bool ready = false;
};
std::string FormatPoolName(uint64_t counter, bool ready);
std::optional<PoolName> ParsePoolName(std::string_view name);
inline constexpr std::string_view kQuarantineSuffix = ".quarantined";
inline constexpr std::string_view kLockName = "LOCK";
inline std::string JoinPath(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

// The directory holding path: "." for a bare name, "/" for an entry of the root.
inline std::string ParentDir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

}  // namespace ringdb::journal
