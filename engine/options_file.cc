#include "engine/options_file.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace ringdb {

namespace {

struct Field {
  const char* name;
  uint64_t (*get)(const Options&);
  void (*set)(Options*, uint64_t);
};

// The persisted fields. Enumerations are stored as their numeric values.
const Field kFields[] = {
    {"ring_slot_count", [](const Options& o) { return o.ring_slot_count; },
     [](Options* o, uint64_t v) { o->ring_slot_count = v; }},
    {"ring_chunk_count", [](const Options& o) { return uint64_t{o.ring_chunk_count}; },
     [](Options* o, uint64_t v) { o->ring_chunk_count = static_cast<uint32_t>(v); }},
    {"wait_strategy", [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.wait_strategy)}; },
     [](Options* o, uint64_t v) { o->wait_strategy = static_cast<WaitStrategy>(v); }},
    {"key_bytes_max", [](const Options& o) { return uint64_t{o.key_bytes_max}; },
     [](Options* o, uint64_t v) { o->key_bytes_max = static_cast<uint32_t>(v); }},
    {"value_bytes_max", [](const Options& o) { return uint64_t{o.value_bytes_max}; },
     [](Options* o, uint64_t v) { o->value_bytes_max = static_cast<uint32_t>(v); }},
    {"transaction_bytes_max", [](const Options& o) { return uint64_t{o.transaction_bytes_max}; },
     [](Options* o, uint64_t v) { o->transaction_bytes_max = static_cast<uint32_t>(v); }},
    {"journal_segment_bytes_max", [](const Options& o) { return o.journal_segment_bytes_max; },
     [](Options* o, uint64_t v) { o->journal_segment_bytes_max = v; }},
    {"sync_mode", [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.sync_mode)}; },
     [](Options* o, uint64_t v) { o->sync_mode = static_cast<SyncMode>(v); }},
    {"recovery_mode", [](const Options& o) { return uint64_t{static_cast<uint8_t>(o.recovery_mode)}; },
     [](Options* o, uint64_t v) { o->recovery_mode = static_cast<RecoveryMode>(v); }},
    {"journal_prewritten_segments",
     [](const Options& o) { return uint64_t{o.journal_prewritten_segments}; },
     [](Options* o, uint64_t v) { o->journal_prewritten_segments = static_cast<uint32_t>(v); }},
    {"checkpoint_journal_bytes", [](const Options& o) { return o.checkpoint_journal_bytes; },
     [](Options* o, uint64_t v) { o->checkpoint_journal_bytes = v; }},
    {"journal_retention_transactions",
     [](const Options& o) { return o.journal_retention_transactions; },
     [](Options* o, uint64_t v) { o->journal_retention_transactions = v; }},
};

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
    text += std::string(kJournalRecordField) + " = " + std::to_string(journal_record_bytes_max) + "\n";
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
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(value.c_str(), &end, 10);
    const bool well_formed = !value.empty() && end != nullptr && *end == '\0';
    if (name == kJournalRecordField && journal_record_bytes_max != nullptr && well_formed) {
      *journal_record_bytes_max = static_cast<uint32_t>(parsed);
    }
    for (const Field& field : kFields) {
      if (name == field.name) {
        if (!well_formed) {
          return Status::InvalidArgument("OPTIONS: " + name + " has a malformed value '" +
                                         value + "'");
        }
        field.set(options, parsed);
      }
    }
  }
  return Status::OK();
}

Status WriteOptionsFile(const std::string& db_path, const Options& options,
                        uint32_t journal_record_bytes_max) {
  const std::string target = db_path + "/OPTIONS";
  const std::string temporary = target + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << FormatOptions(options, journal_record_bytes_max);
    if (!out.flush()) {
      return Status::IOError("cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    return Status::IOError("cannot rename " + temporary + " to " + target);
  }
  return Status::OK();
}

Status ReadOptionsFile(const std::string& db_path, Options* options,
                       uint32_t* journal_record_bytes_max) {
  std::ifstream in(db_path + "/OPTIONS");
  if (!in) {
    return Status::NotFound(db_path + "/OPTIONS is missing");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseOptions(text.str(), options, journal_record_bytes_max);
}

}  // namespace ringdb
