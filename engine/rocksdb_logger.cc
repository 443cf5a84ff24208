#include "engine/rocksdb_logger.h"

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include <rocksdb/listener.h>
#include <spdlog/spdlog.h>

namespace ringdb {

namespace {

spdlog::level::level_enum SpdlogLevelOf(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      return spdlog::level::trace;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return spdlog::level::warn;
    case rocksdb::InfoLogLevel::ERROR_LEVEL:
      return spdlog::level::err;
    case rocksdb::InfoLogLevel::FATAL_LEVEL:
      return spdlog::level::critical;
    default:
      return spdlog::level::debug;  // INFO_LEVEL, HEADER_LEVEL
  }
}

// Formats and logs one line; RocksDB's lines often end with a newline, spdlog adds its own.
void LogFormatted(spdlog::logger& logger, spdlog::level::level_enum level, const char* format,
                  va_list arguments) {
  std::array<char, 512> buffer;
  va_list copy;
  va_copy(copy, arguments);
  const int length = std::vsnprintf(buffer.data(), buffer.size(), format, copy);
  va_end(copy);
  if (length < 0) {
    logger.log(level, "rocksdb: (unformattable line: {})", format);
    return;
  }
  std::string long_line;
  std::string_view line(buffer.data(), static_cast<size_t>(length));
  if (static_cast<size_t>(length) >= buffer.size()) {
    long_line.resize(static_cast<size_t>(length) + 1);
    std::vsnprintf(long_line.data(), long_line.size(), format, arguments);
    line = std::string_view(long_line.data(), static_cast<size_t>(length));
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  logger.log(level, "rocksdb: {}", line);
}

// Declines the automatic recovery RocksDB starts after a NoSpace background error.
class NoAutoRecoveryListener final : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "ringdb.NoAutoRecovery"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*bg_error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

RocksDbLogger::RocksDbLogger(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

void RocksDbLogger::Logv(const char* format, va_list arguments) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, arguments);
}

void RocksDbLogger::Logv(rocksdb::InfoLogLevel level, const char* format, va_list arguments) {
  const spdlog::level::level_enum spdlog_level = SpdlogLevelOf(level);
  if (logger_->should_log(spdlog_level)) {
    LogFormatted(*logger_, spdlog_level, format, arguments);
  }
}

void RocksDbLogger::LogHeader(const char* format, va_list arguments) {
  Logv(rocksdb::InfoLogLevel::HEADER_LEVEL, format, arguments);
}

rocksdb::InfoLogLevel RocksDbLogger::GetInfoLogLevel() const {
  if (logger_->should_log(spdlog::level::trace)) {
    return rocksdb::InfoLogLevel::DEBUG_LEVEL;
  }
  if (logger_->should_log(spdlog::level::debug)) {
    return rocksdb::InfoLogLevel::INFO_LEVEL;
  }
  if (logger_->should_log(spdlog::level::warn)) {
    return rocksdb::InfoLogLevel::WARN_LEVEL;
  }
  if (logger_->should_log(spdlog::level::err)) {
    return rocksdb::InfoLogLevel::ERROR_LEVEL;
  }
  return rocksdb::InfoLogLevel::FATAL_LEVEL;
}

void ApplyRingdbRocksDbSettings(rocksdb::DBOptions* options,
                                const std::shared_ptr<spdlog::logger>& logger) {
  if (options->info_log == nullptr) {
    options->info_log = std::make_shared<RocksDbLogger>(logger);
  }
  options->max_bgerror_resume_count = 0;
  options->listeners.push_back(std::make_shared<NoAutoRecoveryListener>());
}

}  // namespace ringdb
