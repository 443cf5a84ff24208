#include "engine/options_file.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <span>
#include <sstream>
#include <string>

#include "engine/journal_options_for.h"
#include "ringdb/env.h"

namespace ringdb {

namespace {

// Far above the text FormatOptions writes (a few hundred bytes): a larger file is not an OPTIONS
// file, and is not read into memory.
constexpr uint64_t kOptionsFileBytesMax = 64 << 10;

struct Field {
  const char* name;
  uint64_t (*get)(const Options&);
  void (*set)(Options*, uint64_t);
  uint64_t max;  // The largest value the field's type holds; a larger one is refused, not cut.
};

constexpr uint64_t kU8 = std::numeric_limits<uint8_t>::max();
constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kU64 = std::numeric_limits<uint64_t>::max();

// The persisted fields. Enumerations are stored as their numeric values.
const Field kFields[] = {
    {"ring_slot_count", [](const Options& o) { return o.ring_slot_count; },
     [](Options* o, uint64_t v) { o->ring_slot_count = v; }, kU64},
    {"ring_chunk_count", [](const Options& o) { return uint64_t{o.ring_chunk_count}; },
     [](Options* o, uint64_t v) { o->ring_chunk_count = static_cast<uint32_t>(v); }, kU32},
    {"wait_strategy",
     [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.wait_strategy)}; },
     [](Options* o, uint64_t v) { o->wait_strategy = static_cast<WaitStrategy>(v); }, kU8},
    {"key_bytes_max", [](const Options& o) { return uint64_t{o.key_bytes_max}; },
     [](Options* o, uint64_t v) { o->key_bytes_max = static_cast<uint32_t>(v); }, kU32},
    {"value_bytes_max", [](const Options& o) { return uint64_t{o.value_bytes_max}; },
     [](Options* o, uint64_t v) { o->value_bytes_max = static_cast<uint32_t>(v); }, kU32},
    {"transaction_bytes_max", [](const Options& o) { return uint64_t{o.transaction_bytes_max}; },
     [](Options* o, uint64_t v) { o->transaction_bytes_max = static_cast<uint32_t>(v); }, kU32},
    {"journal_segment_bytes_max", [](const Options& o) { return o.journal_segment_bytes_max; },
     [](Options* o, uint64_t v) { o->journal_segment_bytes_max = v; }, kU64},
    {"sync_mode", [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.sync_mode)}; },
     [](Options* o, uint64_t v) { o->sync_mode = static_cast<SyncMode>(v); }, kU8},
    {"recovery_mode",
     [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.recovery_mode)}; },
     [](Options* o, uint64_t v) { o->recovery_mode = static_cast<RecoveryMode>(v); }, kU8},
    {"journal_prewritten_segments",
     [](const Options& o) { return uint64_t{o.journal_prewritten_segments}; },
     [](Options* o, uint64_t v) { o->journal_prewritten_segments = static_cast<uint32_t>(v); },
     kU32},
    {"checkpoint_journal_bytes", [](const Options& o) { return o.checkpoint_journal_bytes; },
     [](Options* o, uint64_t v) { o->checkpoint_journal_bytes = v; }, kU64},
    {"journal_retention_transactions",
     [](const Options& o) { return o.journal_retention_transactions; },
     [](Options* o, uint64_t v) { o->journal_retention_transactions = v; }, kU64},
};

// A value is decimal digits only (no sign, space or NUL) that fit in max.
bool ParseValue(const std::string& value, uint64_t max, uint64_t* parsed) {
  if (value.empty()) {
    return false;
  }
  const char* const end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, *parsed, 10);
  return error == std::errc() && stop == end && *parsed <= max;
}

}  // namespace

constexpr const char* kJournalRecordField = "journal_record_bytes_max";

std::string FormatOptions(const Options& options, uint32_t journal_record_bytes_max) {
  std::string text = "# ringdb options in force at the last Open\n";
  for (const Field& field : kFields) {
    text += field.name;
    text += " = ";
    text += std::to_string(field.get(options));
    text += '\n';
  }
  if (journal_record_bytes_max != 0) {
    text +=
        std::string(kJournalRecordField) + " = " + std::to_string(journal_record_bytes_max) + "\n";
  }
  return text;
}

Status ParseOptions(std::string_view text, Options* options, uint32_t* journal_record_bytes_max) {
  if (journal_record_bytes_max != nullptr) {
    *journal_record_bytes_max = 0;
  }
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t equals = line.find(" = ");
    if (equals == std::string::npos) {
      return Status::InvalidArgument("OPTIONS: malformed line '" + line + "'");
    }
    const std::string name = line.substr(0, equals);
    const std::string value = line.substr(equals + 3);
    const auto malformed = [&](uint64_t max) {
      return Status::InvalidArgument("OPTIONS: " + name + " has a malformed value '" + value +
                                     "': must be decimal digits, at most " + std::to_string(max));
    };
    uint64_t parsed = 0;
    if (name == kJournalRecordField) {
      if (!ParseValue(value, kU32, &parsed)) {
        return malformed(kU32);
      }
      if (journal_record_bytes_max != nullptr) {
        *journal_record_bytes_max = static_cast<uint32_t>(parsed);
      }
    }
    for (const Field& field : kFields) {
      if (name == field.name) {
        if (!ParseValue(value, field.max, &parsed)) {
          return malformed(field.max);
        }
        field.set(options, parsed);
      }
    }
  }
  return Status::OK();
}

Status WriteOptionsFile(const std::string& db_path, const Options& options,
                        uint32_t journal_record_bytes_max, Env* env) {
  // Durable before the engine accepts writes: the file carries the journal's record-length
  // floor, and a copy lost to a power loss (a rename of an unsynced file may leave it empty)
  // would let a later open with smaller limits reject records the journal holds.
  env = env != nullptr ? env : Env::Default();
  const std::string target = db_path + "/OPTIONS";
  const std::string temporary = target + ".tmp";
  const std::string text = FormatOptions(options, journal_record_bytes_max);
  if (env->FileExists(temporary)) {
    if (Status status = env->DeleteFile(temporary); !status.ok()) {
      return status;
    }
  }
  std::unique_ptr<WritableFile> file;
  if (Status status = env->OpenWritable(temporary, OpenMode::kCreateNew, &file); !status.ok()) {
    return status;
  }
  const std::span<const std::byte> bytes = std::as_bytes(std::span(text.data(), text.size()));
  if (Status status = WriteFully(file.get(), 0, bytes); !status.ok()) {
    return status;
  }
  if (Status status = file->SyncData(); !status.ok()) {
    return status;
  }
  if (Status status = file->Close(); !status.ok()) {
    return status;
  }
  if (Status status = env->RenameFile(temporary, target); !status.ok()) {
    return status;
  }
  return env->SyncDir(db_path);
}

Status ReadOptionsFile(const std::string& db_path, Options* options,
                       uint32_t* journal_record_bytes_max, Env* env) {
  env = env != nullptr ? env : Env::Default();
  const std::string path = db_path + "/OPTIONS";
  if (!env->FileExists(path)) {
    return Status::NotFound(path + " is missing");
  }
  std::unique_ptr<ReadableFile> file;
  if (Status status = env->OpenReadable(path, &file); !status.ok()) {
    return status;
  }
  const Result<uint64_t> size = file->Size();
  if (!size.ok()) {
    return size.status();
  }
  if (*size > kOptionsFileBytesMax) {
    return Status::Corruption(path + " holds " + std::to_string(*size) + " bytes, more than " +
                              "an OPTIONS file ever does (" + std::to_string(kOptionsFileBytesMax) +
                              ")");
  }
  std::string text(static_cast<size_t>(*size), '\0');
  const std::span<std::byte> out = std::as_writable_bytes(std::span(text.data(), text.size()));
  for (size_t done = 0; done < out.size();) {
    const Result<uint64_t> read = file->ReadAt(done, out.subspan(done));
    if (!read.ok()) {
      return read.status();
    }
    if (*read == 0) {
      text.resize(done);  // Shorter than its size said: parse what is there.
      break;
    }
    done += static_cast<size_t>(*read);
  }
  return ParseOptions(text, options, journal_record_bytes_max);
}

Status Options::LoadFrom(const std::string& path, Options* options) {
  if (options == nullptr) {
    return Status::InvalidArgument("Options::LoadFrom: options out-parameter is null");
  }
  Options loaded = *options;
  Status status = ReadOptionsFile(path, &loaded, nullptr, options->env);
  if (status.ok()) {
    *options = loaded;
  }
  return status;
}

namespace {

bool JournalAccepts(const Options& options, uint64_t segment_bytes, uint32_t floor) {
  Options candidate = options;
  candidate.journal_segment_bytes_max = segment_bytes;
  return JournalOptionsFor(candidate, floor).Validate().ok();
}

// The least journal_segment_bytes_max (up to Options' 4 GiB) whose journal holds records of
// `floor` bytes; 0 when none does. The journal accepts a larger segment whenever it accepts a
// smaller one, so a binary search finds it.
uint64_t LeastSegmentBytesFor(const Options& options, uint32_t floor) {
  uint64_t low = options.journal_segment_bytes_max;
  uint64_t high = uint64_t{4} << 30;
  if (!JournalAccepts(options, high, floor)) {
    return 0;
  }
  while (low + 1 < high) {
    const uint64_t middle = low + (high - low) / 2;
    (JournalAccepts(options, middle, floor) ? high : low) = middle;
  }
  return high;
}

}  // namespace

Status CheckStoredOptions(const Options& options, const std::string& db_path) {
  Options stored;
  uint32_t floor = 0;
  if (!ReadOptionsFile(db_path, &stored, &floor, options.env).ok() ||
      JournalOptionsFor(options, floor).Validate().ok()) {
    return Status::OK();
  }
  const uint64_t least = LeastSegmentBytesFor(options, floor);
  const std::string what_to_set =
      least != 0 ? "set journal_segment_bytes_max to at least " + std::to_string(least)
                 : "no journal_segment_bytes_max holds them";
  return Status::InvalidArgument(
      "journal_segment_bytes_max = " + std::to_string(options.journal_segment_bytes_max) +
      " is too small for the database at " + db_path + ": its journal may hold transactions of " +
      "up to " + std::to_string(floor) + " bytes (journal_record_bytes_max in " + db_path +
      "/OPTIONS, the largest transaction_bytes_max it was ever opened with, which never " +
      "shrinks), and a segment must hold one of them; " + what_to_set +
      ", or start from Options::LoadFrom(\"" + db_path + "\") for the options it was last " +
      "opened with");
}

}  // namespace ringdb
