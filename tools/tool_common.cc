#include "tools/tool_common.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <utility>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/backup_files.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "journal/journal_options.h"
#include "journal/journal_reader.h"

namespace ringdb::tool {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kNotFound:
      return kExitNotFound;
    case Status::Code::kInvalidArgument:
      return kExitUsage;
    case Status::Code::kCorruption:
      return kExitCorruption;
    case Status::Code::kBusy:
      return kExitBusy;
    default:
      return kExitFailed;
  }
}

namespace {

bool json_errors = false;

int PrintError(const std::string& message, int code) {
  if (json_errors) {
    const std::string json =
        JsonObject().Add("error", message).Add("code", static_cast<uint64_t>(code)).str();
    std::fprintf(stderr, "%s\n", json.c_str());
  } else {
    std::fprintf(stderr, "ringdb: %s\n", message.c_str());
  }
  return code;
}

std::shared_ptr<spdlog::logger> ToolLogger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "ringdb", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    const char* verbose = std::getenv("RINGDB_VERBOSE");
    created->set_level(verbose != nullptr && verbose[0] == '1' ? spdlog::level::info
                                                               : spdlog::level::warn);
    return created;
  }();
  return logger;
}

const char* WaitStrategyName(WaitStrategy strategy) {
  switch (strategy) {
    case WaitStrategy::kSpinThenPark:
      return "spin-then-park";
    case WaitStrategy::kBusySpin:
      return "busy-spin";
    case WaitStrategy::kYielding:
      return "yielding";
    case WaitStrategy::kSleeping:
      return "sleeping";
    case WaitStrategy::kBlocking:
      return "blocking";
  }
  return "invalid";
}

// "name" for a known value, "invalid (<number>)" for one the OPTIONS file holds but no name fits.
template <typename Enum>
std::string EnumText(const char* name, Enum value) {
  const std::string number = std::to_string(static_cast<unsigned>(value));
  return std::string_view(name) == "invalid" ? "invalid (" + number + ")" : std::string(name);
}

}  // namespace

void SetJsonErrors(bool json) { json_errors = json; }

int Fail(std::string_view context, const Status& status) {
  return PrintError(std::string(context) + ": " + status.ToString(), ExitCodeFor(status));
}

int FailUsage(std::string_view message) { return PrintError(std::string(message), kExitUsage); }

Status CheckDatabase(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(path, error) && !error) {
    return Status::NotFound(path + " does not exist (put or delete creates a database)");
  }
  if (!fs::is_directory(path, error)) {
    return Status::NotFound(path + " is not a directory");
  }
  if (Status status = backup::CheckNotIncomplete(Env::Default(), path); !status.ok()) {
    return status;
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
  options->logger = ToolLogger();
  return Status::OK();
}

Status OptionsForWriting(const std::string& path, Options* options) {
  std::error_code error;
  if (std::filesystem::exists(path, error) || error) {
    return LoadOptions(path, options);
  }
  *options = Options();
  options->create_if_missing = true;
  options->logger = ToolLogger();
  return Status::OK();
}

std::string FormatOptionsNamed(const Options& options, std::string_view indent) {
  const std::pair<std::string, std::string> named[] = {
      {"wait_strategy", EnumText(WaitStrategyName(options.wait_strategy), options.wait_strategy)},
      {"sync_mode", EnumText(journal::SyncModeName(options.sync_mode), options.sync_mode)},
      {"recovery_mode",
       EnumText(journal::RecoveryModeName(options.recovery_mode), options.recovery_mode)},
  };
  std::istringstream lines(FormatOptions(options));
  std::string line;
  std::string text;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) {
      continue;
    }
    const std::string name = line.substr(0, line.find(" = "));
    for (const auto& [field, value] : named) {
      line = name == field ? name + " = " + value : line;
    }
    text += std::string(indent) + line + "\n";
  }
  return text;
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
