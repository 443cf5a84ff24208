// Read-only subcommands that work beside a live engine: info, journal dump, journal verify.
// They never take the lock and never write: the journal is read with JournalReader (which does
// not truncate) and RocksDB is opened read-only.
#include <filesystem>
#include <map>
#include <memory>

#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/options_file.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "engine/txn_codec.h"
#include "journal/journal_reader.h"
#include "ringdb/ringdb.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

const char* OpName(txn::OpType type) {
  switch (type) {
    case txn::OpType::kPut:
      return "put";
    case txn::OpType::kDelete:
      return "delete";
    case txn::OpType::kExpectEqual:
      return "expect-equal";
    case txn::OpType::kExpectAbsent:
      return "expect-absent";
    case txn::OpType::kExpectPresent:
      return "expect-present";
  }
  return "unknown";
}

Status OpenReader(const std::string& path, std::unique_ptr<journal::JournalReader>* reader) {
  return OpenJournalReader(path, RecoveryMode::kTolerateTornTail, reader);
}

// The applied marker, from RocksDB opened read-only (no lock, no writes).
Status ReadMarkerReadOnly(const std::string& path, uint64_t* marker) {
  std::unique_ptr<RingdbRocksDb> opened;
  if (Status status = OpenRingdbRocksDb(
          path + "/db", RocksDbMode::ReadOnly(),
          RingdbRocksDbOptions(nullptr, RocksDbUse::kReadOnly, DefaultLogger()), &opened);
      !status.ok()) {
    return status;
  }
  return Applier::ReadMarker(opened->db(), opened->meta(), marker);
}

uint64_t DirectoryBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (entry.is_regular_file(error)) {
      total += entry.file_size(error);
    }
  }
  return total;
}

void PrintRecord(const journal::Record& record, bool values, bool json) {
  txn::Decoder decoder;
  const Status opened = txn::Decoder::Open(record.payload, &decoder);
  std::string ops = json ? "[" : "";
  txn::Op op{};
  while (opened.ok() && decoder.Next(&op)) {
    if (json) {
      JsonObject entry;
      entry.Add("op", OpName(op.type))
          .Add("key", op.key)
          .Add("value_bytes", uint64_t{op.value.size()});
      if (values) {
        entry.Add("value", op.value);
      }
      ops += (ops.size() > 1 ? ", " : "") + entry.str();
    } else {
      ops += std::string("\n    ") + OpName(op.type) + " " + Escape(op.key, false) + " (" +
             std::to_string(op.value.size()) + " bytes)";
      if (values) {
        ops += " = " + Escape(op.value, false);
      }
    }
  }
  const Status decoded = opened.ok() ? decoder.status() : opened;
  if (json) {
    JsonObject line;
    line.Add("sequence", record.first_sequence)
        .Add("segment", record.segment)
        .Add("offset", record.offset)
        .Add("bytes", uint64_t{record.payload.size()})
        .AddRaw("operations", ops + "]");
    if (!decoded.ok()) {
      line.Add("error", decoded.ToString());
    }
    std::printf("%s\n", line.str().c_str());
  } else {
    std::printf("#%llu  %.*s @%llu  %zu bytes%s%s\n",
                static_cast<unsigned long long>(record.first_sequence),
                static_cast<int>(record.segment.size()), record.segment.data(),
                static_cast<unsigned long long>(record.offset), record.payload.size(), ops.c_str(),
                decoded.ok() ? "" : ("\n    undecodable: " + decoded.ToString()).c_str());
  }
}

}  // namespace

int JournalDump(const CommonArgs& args, uint64_t from_sequence, uint64_t to_sequence, bool values) {
  std::unique_ptr<journal::JournalReader> reader;
  Status status = OpenReader(args.path, &reader);
  if (!status.ok()) {
    return Fail("journal dump", status);
  }
  journal::RecoveryReport report;
  const uint64_t after = from_sequence > 0 ? from_sequence - 1 : 0;
  status = reader->Read(
      after,
      [&](const journal::Record& record) {
        if (to_sequence != 0 && record.first_sequence > to_sequence) {
          return Status::Aborted("past --to-seq");
        }
        PrintRecord(record, values, args.json);
        return Status::OK();
      },
      &report);
  if (!status.ok() && !status.IsAborted()) {
    return Fail("journal dump", status);
  }
  return kExitOk;
}

int JournalVerify(const CommonArgs& args) {
  std::unique_ptr<journal::JournalReader> reader;
  Status status = OpenReader(args.path, &reader);
  if (!status.ok()) {
    return Fail("journal verify", status);
  }
  journal::RecoveryReport report;
  status = reader->Verify(&report);
  if (status.ok() && !report.corruption.ok()) {
    status = report.corruption;
  }
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("sound", status.ok())
                            .Add("records", report.records_read)
                            .Add("segments", report.segments_read)
                            .Add("first_sequence", report.first_sequence)
                            .Add("last_sequence", report.last_sequence)
                            .Add("torn_tail", report.torn_tail_truncated)
                            .Add("error", status.ok() ? std::string() : status.ToString())
                            .str()
                            .c_str());
  }
  if (!status.ok()) {
    return Fail("journal verify", status);
  }
  if (!args.json) {
    std::printf("sound: %llu records in %llu segments, sequences %llu..%llu%s\n",
                static_cast<unsigned long long>(report.records_read),
                static_cast<unsigned long long>(report.segments_read),
                static_cast<unsigned long long>(report.first_sequence),
                static_cast<unsigned long long>(report.last_sequence),
                report.torn_tail_truncated
                    ? (", torn tail at " + report.torn_tail_segment + " offset " +
                       std::to_string(report.torn_tail_offset) + " (an interrupted write)")
                          .c_str()
                    : "");
  }
  return kExitOk;
}

namespace {

// What `info` shows of a database, read without changing it.
struct InfoFacts {
  struct Range {
    uint64_t first = 0;
    uint64_t last = 0;
    uint64_t records = 0;
  };
  Options options;
  Status options_status;  // Whether OPTIONS could be read.
  uint64_t marker = 0;
  std::map<std::string, Range> segments;
  journal::RecoveryReport report;
  uint64_t db_bytes = 0;
};

// Reads the facts; the status names what could not be read ("what" says at which step).
Status GatherInfo(const std::string& path, InfoFacts* facts, std::string* what) {
  std::unique_ptr<journal::JournalReader> reader;
  *what = "info";
  Status status = OpenReader(path, &reader);
  if (status.ok()) {
    facts->options_status = ReadOptionsFile(path, &facts->options);
    status = ReadMarkerReadOnly(path, &facts->marker);
  }
  if (!status.ok()) {
    return status;
  }
  *what = "info: reading the journal";
  status = reader->Read(
      0,
      [&](const journal::Record& record) {
        InfoFacts::Range& range = facts->segments[std::string(record.segment)];
        range.first = range.records == 0 ? record.first_sequence : range.first;
        range.last = record.first_sequence + record.count - 1;
        ++range.records;
        return Status::OK();
      },
      &facts->report);
  facts->db_bytes = DirectoryBytes(path + "/db");
  return status;
}

void PrintInfoJson(const std::string& path, const InfoFacts& facts) {
  std::string list = "[";
  for (const auto& [name, range] : facts.segments) {
    list += (list.size() > 1 ? ", " : "") + JsonObject()
                                                .Add("name", name)
                                                .Add("first_sequence", range.first)
                                                .Add("last_sequence", range.last)
                                                .Add("records", range.records)
                                                .str();
  }
  std::printf(
      "%s\n",
      JsonObject()
          .Add("path", path)
          .Add("version", RINGDB_VERSION_STRING)
          .AddRaw("options", facts.options_status.ok()
                                 ? "\"" + Escape(FormatOptionsNamed(facts.options, ""), true) + "\""
                                 : "null")
          .Add("journal_first_sequence", facts.report.first_sequence)
          .Add("journal_last_sequence", facts.report.last_sequence)
          .Add("applied_marker", facts.marker)
          .Add("rocksdb_bytes", facts.db_bytes)
          .AddRaw("segments", list + "]")
          .str()
          .c_str());
}

void PrintInfoText(const std::string& path, const InfoFacts& facts) {
  std::printf("ringdb database %s (ringdb %s)\n", path.c_str(), RINGDB_VERSION_STRING);
  if (facts.options_status.ok()) {
    const Options& options = facts.options;
    const uint64_t slot_bytes = uint64_t{options.ring_chunk_count} * kRingChunkSizeBytes;
    std::printf("ring: %llu slots of %llu bytes (%llu bytes reserved)\n",
                static_cast<unsigned long long>(options.ring_slot_count),
                static_cast<unsigned long long>(slot_bytes),
                static_cast<unsigned long long>(options.ring_slot_count * slot_bytes));
    std::printf("options in force at the last open:\n%s",
                FormatOptionsNamed(options, "  ").c_str());
  }
  const journal::RecoveryReport& report = facts.report;
  std::printf(
      "journal: sequences %llu..%llu; applied marker in RocksDB: %llu (replay on open: %llu "
      "transactions)\n",
      static_cast<unsigned long long>(report.first_sequence),
      static_cast<unsigned long long>(report.last_sequence),
      static_cast<unsigned long long>(facts.marker),
      static_cast<unsigned long long>(
          report.last_sequence > facts.marker ? report.last_sequence - facts.marker : 0));
  for (const auto& [name, range] : facts.segments) {
    std::printf("  segment %s: sequences %llu..%llu (%llu records)\n", name.c_str(),
                static_cast<unsigned long long>(range.first),
                static_cast<unsigned long long>(range.last),
                static_cast<unsigned long long>(range.records));
  }
  std::printf("rocksdb: %llu bytes in %s/db\n", static_cast<unsigned long long>(facts.db_bytes),
              path.c_str());
}

}  // namespace

int Info(const CommonArgs& args) {
  InfoFacts facts;
  std::string what;
  if (Status status = GatherInfo(args.path, &facts, &what); !status.ok()) {
    return Fail(what, status);
  }
  if (args.json) {
    PrintInfoJson(args.path, facts);
  } else {
    PrintInfoText(args.path, facts);
  }
  return kExitOk;
}

}  // namespace ringdb::tool
