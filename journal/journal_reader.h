// JournalReader: read-only access to a journal directory for tools (dump, verify, salvage). It
// takes no lock and never truncates, renames or deletes anything, so it can run beside a live
// engine; what it sees of a group being written at that moment is reported as a torn tail.
//
// Thread safety: one thread per reader; several readers may share a directory.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "journal/journal_options.h"

namespace ringdb::journal {

class JournalReader {
 public:
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Uses options.record_bytes_max, recovery_mode (kSkipCorrupted allowed here), env and logger.
  static Status Open(const JournalOptions& options, const std::string& dir,
                     std::unique_ptr<JournalReader>* reader);

  // Calls fn for every valid record holding a sequence above after_sequence, in order. Under
  // kSkipCorrupted, bad regions are skipped and counted in report->records_skipped. report may be
  // null.
  Status Read(uint64_t after_sequence, const std::function<Status(const Record&)>& fn,
              RecoveryReport* report);

  // Checks every checksum and the chain of the whole journal and reports how the log ends.
  // Returns what Journal::Open would (OK, or Corruption) without changing anything.
  Status Verify(RecoveryReport* report);

 private:
  JournalReader(const JournalOptions& options, std::string dir);

  JournalOptions options_;
  const std::string dir_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ringdb::journal
