// libFuzzer target for the engine's options: ringdb::Options::Validate, the OPTIONS file parser
// (engine/options_file) and the journal options derived from them. Whatever the bytes, each call
// returns a Status: no crash, no undefined behaviour, no unbounded loop.
//
// The first byte chooses how the rest is read:
//   even: the text of an OPTIONS file, given to ParseOptions;
//   odd:  the fields of an Options, in declaration order, little-endian at their own widths
//         (enumerations and booleans as raw bytes, so out-of-range values are reached too), then a
//         journal_record_bytes_max floor; fields past the end of the input keep their defaults.
//
// Checked properties:
//   - a value ParseOptions accepts is read exactly: every known field of the text holds the last
//     value written for it, and values that are not plain decimal digits fitting the field are
//     refused;
//   - options that Validate accepts survive FormatOptions then ParseOptions unchanged;
//   - options that Validate accepts give journal options that the journal accepts, and a ring
//     that the ring accepts.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/ring_options_for.h"
#include "ringdb/options.h"
#include "util/assert.h"

namespace {

using ringdb::Options;
using ringdb::Status;

// The widths of the fields the OPTIONS file holds, by name.
const std::map<std::string, uint64_t, std::less<>>& FieldMaxima() {
  static const std::map<std::string, uint64_t, std::less<>> maxima = {
      {"ring_slot_count", UINT64_MAX},
      {"ring_chunk_count", UINT32_MAX},
      {"wait_strategy", UINT8_MAX},
      {"key_bytes_max", UINT32_MAX},
      {"value_bytes_max", UINT32_MAX},
      {"transaction_bytes_max", UINT32_MAX},
      {"journal_segment_bytes_max", UINT64_MAX},
      {"sync_mode", UINT8_MAX},
      {"recovery_mode", UINT8_MAX},
      {"journal_prewritten_segments", UINT32_MAX},
      {"checkpoint_journal_bytes", UINT64_MAX},
      {"journal_retention_transactions", UINT64_MAX},
      {"journal_record_bytes_max", UINT32_MAX},
  };
  return maxima;
}

// The value of `name` in text FormatOptions wrote.
uint64_t FormattedValue(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " = ";
  const size_t at = text.find(key);
  RINGDB_ASSERT(at != std::string::npos);
  const char* begin = text.data() + at + key.size();
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  RINGDB_ASSERT(error == std::errc() && *end == '\n');
  return value;
}

void CheckValidOptions(const Options& options, uint32_t record_bytes_floor) {
  // Valid options give a valid journal whenever the floor does not exceed what they allow.
  if (record_bytes_floor <= options.transaction_bytes_max) {
    const Status journal = ringdb::JournalOptionsFor(options, record_bytes_floor).Validate();
    RINGDB_ASSERT(journal.ok());
  } else {
    ringdb::JournalOptionsFor(options, record_bytes_floor).Validate().PermitUnchecked();
  }
  RINGDB_ASSERT(ringdb::RingOptionsFor(options).Validate().ok());
  const std::string text = ringdb::FormatOptions(options, record_bytes_floor);
  Options read;
  uint32_t read_floor = 0;
  RINGDB_ASSERT(ringdb::ParseOptions(text, &read, &read_floor).ok());
  RINGDB_ASSERT(read.Validate().ok());
  RINGDB_ASSERT(read_floor == record_bytes_floor);
  RINGDB_ASSERT(ringdb::FormatOptions(read, read_floor) == text);
}

void FuzzText(std::string_view text) {
  Options options;
  uint32_t floor = 0;
  const Status parsed = ringdb::ParseOptions(text, &options, &floor);
  // What the text says, read independently: the last well-formed value of each known field, and
  // whether any known field carries a value that must be refused.
  std::map<std::string, uint64_t, std::less<>> expected;
  bool refusable = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t stop = text.find('\n', start);
    if (stop == std::string_view::npos) {
      stop = text.size();
    }
    const std::string_view line = text.substr(start, stop - start);
    start = stop + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t equals = line.find(" = ");
    if (equals == std::string_view::npos) {
      refusable = true;
      continue;
    }
    const std::string_view name = line.substr(0, equals);
    const std::string_view value = line.substr(equals + 3);
    const auto field = FieldMaxima().find(name);
    if (field == FieldMaxima().end()) {
      continue;
    }
    uint64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error != std::errc() || end != value.data() + value.size() ||
        number > field->second) {
      refusable = true;
    } else if (!refusable) {
      expected[std::string(name)] = number;
    }
  }
  RINGDB_ASSERT(parsed.ok() != refusable);
  if (!parsed.ok()) {
    RINGDB_ASSERT(parsed.IsInvalidArgument());
    return;
  }
  const std::string formatted = ringdb::FormatOptions(options, 0);
  for (const auto& [name, value] : expected) {
    if (name == "journal_record_bytes_max") {
      RINGDB_ASSERT(floor == value);
    } else {
      RINGDB_ASSERT(FormattedValue(formatted, name) == value);
    }
  }
  if (options.Validate().ok()) {
    CheckValidOptions(options, floor);
  }
}

// Reads little-endian integers of the requested width; zero bytes left means "keep the default".
class Fields {
 public:
  explicit Fields(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  template <typename T>
  void Read(T* field) {
    if (bytes_.size() < sizeof(T)) {
      bytes_ = {};
      return;
    }
    T value;
    std::memcpy(&value, bytes_.data(), sizeof(T));
    *field = value;
    bytes_ = bytes_.subspan(sizeof(T));
  }
  template <typename Enum>
  void ReadEnum(Enum* field) {
    uint8_t raw = static_cast<uint8_t>(*field);
    Read(&raw);
    *field = static_cast<Enum>(raw);
  }
  void ReadBool(bool* field) {
    uint8_t raw = *field ? 1 : 0;
    Read(&raw);
    *field = (raw & 1) != 0;
  }

 private:
  std::span<const uint8_t> bytes_;
};

void FuzzFields(std::span<const uint8_t> bytes) {
  Options options;
  uint32_t floor = 0;
  Fields fields(bytes);
  fields.Read(&options.ring_slot_count);
  fields.Read(&options.ring_chunk_count);
  fields.ReadEnum(&options.wait_strategy);
  fields.Read(&options.key_bytes_max);
  fields.Read(&options.value_bytes_max);
  fields.Read(&options.transaction_bytes_max);
  fields.Read(&options.journal_segment_bytes_max);
  fields.ReadEnum(&options.sync_mode);
  fields.ReadEnum(&options.recovery_mode);
  fields.Read(&options.journal_prewritten_segments);
  fields.Read(&options.checkpoint_journal_bytes);
  fields.Read(&options.journal_retention_transactions);
  fields.ReadBool(&options.create_if_missing);
  fields.ReadBool(&options.error_if_exists);
  fields.Read(&floor);
  const Status status = options.Validate();
  if (!status.ok()) {
    RINGDB_ASSERT(status.IsInvalidArgument());
    RINGDB_ASSERT(!status.message().empty());
    return;
  }
  CheckValidOptions(options, floor);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const uint8_t> rest(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    FuzzText(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
  } else {
    FuzzFields(rest);
  }
  return 0;
}
