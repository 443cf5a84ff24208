// RocksDB's info log through ringdb's spdlog logger, and the RocksDB settings that keep a full
// disk from taking the host process down.
//
// RocksDB's default info log is a LOG file in the database directory, written by RocksDB's own
// file writer. Once an append to it fails (ENOSPC), every later line trips an assertion in
// RocksDB's writer (builds with assertions on abort the process), and RocksDB logs from its
// flush threads, from Close and from every Open: a full disk would end the host process. Logging
// through spdlog writes nothing into the database directory.
#pragma once

#include <cstdarg>
#include <memory>

#include <rocksdb/env.h>
#include <rocksdb/options.h>

namespace spdlog {
class logger;
}

namespace ringdb {

// A rocksdb::Logger that forwards each line to an spdlog logger. RocksDB logs at Info by default,
// detail ringdb's users do not need: its debug lines go out at trace, info and header lines at
// debug, warnings and errors at their own level, fatal ones as critical. Thread-safe.
class RocksDbLogger final : public rocksdb::Logger {
 public:
  explicit RocksDbLogger(std::shared_ptr<spdlog::logger> logger);

  void Logv(const char* format, va_list arguments) override;
  void Logv(rocksdb::InfoLogLevel level, const char* format, va_list arguments) override;
  void LogHeader(const char* format, va_list arguments) override;
  // The lowest RocksDB level the spdlog logger shows now, so that RocksDB formats no line that
  // would be dropped (the spdlog level may change while the database is open).
  rocksdb::InfoLogLevel GetInfoLogLevel() const override;

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

// What ringdb sets on every RocksDB it opens (the engine and the `ringdb` command):
//   - info_log: a RocksDbLogger over `logger`, unless the options already name a logger;
//   - no automatic resume after a background error: max_bgerror_resume_count = 0 (retryable
//     errors), and a listener that declines the recovery RocksDB starts after NoSpace (its
//     SstFileManager would poll for free space and flush again in a thread of its own). ringdb
//     refuses writes after any failed RocksDB write and recovers by reopening, which replays the
//     journal; a resume underneath would only race with Close.
// Reads and Close keep working with a background error set; Close returns it.
void ApplyRingdbRocksDbSettings(rocksdb::DBOptions* options,
                                const std::shared_ptr<spdlog::logger>& logger);

}  // namespace ringdb
