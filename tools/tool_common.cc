#include "tools/tool_common.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "journal/journal_reader.h"

namespace ringdb::tool {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kNotFound: return kExitNotFound;
    case Status::Code::kInvalidArgument: return kExitUsage;
    case Status::Code::kCorruption: return kExitCorruption;
    case Status::Code::kBusy: return kExitBusy;
    default: return kExitFailed;
  }
}

int Fail(std::string_view context, const Status& status) {
  std::fprintf(stderr, "ringdb: %.*s: %s\n", static_cast<int>(context.size()), context.data(),
               status.ToString().c_str());
  return ExitCodeFor(status);
}

Status CheckDatabase(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(path, error)) {
    return Status::NotFound(path + " is not a directory");
  }
  if (!fs::is_directory(fs::path(path) / "journal", error) ||
      !fs::is_directory(fs::path(path) / "db", error)) {
    return Status::NotFound(path + " is not a ringdb database (no journal/ and db/ inside)");
  }
  return Status::OK();
}

Status LoadOptions(const std::string& path, Options* options) {
  Status status = CheckDatabase(path);
  if (!status.ok()) {
    return status;
  }
  status = ReadOptionsFile(path, options);
  if (!status.ok() && !status.IsNotFound()) {
    return status;
  }
  options->create_if_missing = false;
  options->error_if_exists = false;
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "ringdb", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    const char* verbose = std::getenv("RINGDB_VERBOSE");
    created->set_level(verbose != nullptr && verbose[0] == '1' ? spdlog::level::info
                                                                : spdlog::level::warn);
    return created;
  }();
  options->logger = logger;
  return Status::OK();
}

Status OpenJournalReader(const std::string& path, RecoveryMode mode,
                         std::unique_ptr<journal::JournalReader>* reader) {
  Options options;
  Status status = LoadOptions(path, &options);
  if (!status.ok()) {
    return status;
  }
  uint32_t record_bytes_max = 0;
  ReadOptionsFile(path, &options, &record_bytes_max).PermitUnchecked();
  options.recovery_mode = mode;
  journal::JournalOptions journal_options = JournalOptionsFor(options, record_bytes_max);
  journal_options.create_if_missing = false;
  return journal::JournalReader::Open(journal_options, path + "/journal", reader);
}

std::string Escape(std::string_view bytes, bool json) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (json && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (byte >= 0x20 && byte < 0x7f && !(c == '\\' && !json)) {
      out += c;
    } else {
      out += json ? "\\u00" : "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

void JsonObject::Name(std::string_view name) {
  if (text_.size() > 1) {
    text_ += ", ";
  }
  text_ += '"';
  text_ += name;
  text_ += "\": ";
}

JsonObject& JsonObject::Add(std::string_view name, uint64_t value) {
  Name(name);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view name, double value) {
  Name(name);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  text_ += buffer;
  return *this;
}

JsonObject& JsonObject::Add(std::string_view name, bool value) {
  Name(name);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Add(std::string_view name, std::string_view value) {
  Name(name);
  text_ += '"';
  text_ += Escape(value, true);
  text_ += '"';
  return *this;
}

JsonObject& JsonObject::AddRaw(std::string_view name, std::string_view json) {
  Name(name);
  text_ += json;
  return *this;
}

}  // namespace ringdb::tool
