// JournalHead: the file HEAD in a journal directory, the journal's durable record of which segment
// is its newest, how long that segment's file was made, and whether the journal was closed
// cleanly and where its log ended then.
//
// The records say what they hold, but not what is missing: a newest segment deleted or cut short
// after its groups were synced would read as a shorter, sound log, or as a torn tail. HEAD is
// what makes those damage instead. It is rewritten (HEAD.tmp, fsync, rename, directory sync) when
// a new segment becomes the newest, after recovery, and at a clean close: a few times per segment,
// never per group.
//
// Thread safety: plain functions; the journal writes HEAD from one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb::journal {

inline constexpr std::string_view kHeadName = "HEAD";
inline constexpr std::string_view kHeadTempName = "HEAD.tmp";

struct JournalHead {
  // The newest segment, whose file exists under its name and is at least newest_size_bytes long.
  // 0: no segment has been created.
  uint64_t newest_segment_id = 0;
  uint64_t newest_first_sequence = 0;
  uint64_t newest_size_bytes = 0;
  // Written by a clean close: the log ends exactly after clean_last_sequence, at
  // clean_end_offset of the newest segment, whose last record has clean_last_checksum. Damage
  // before that point cannot be a torn write.
  bool clean = false;
  uint64_t clean_end_offset = 0;
  uint64_t clean_last_sequence = 0;
  uint32_t clean_last_checksum = 0;
  // Written by a journal in sync_mode kFdatasync: every segment older than the newest is durable,
  // every group written into the newest after this HEAD was synced before the next one was
  // written, and with `clean` every byte of the log is durable. Open's cheap checks rest on this;
  // a HEAD without it (written in no-sync mode, or before the flag existed) vouches for none of
  // it, and Open then syncs every segment and reads the last one from the device.
  bool synced_writes = false;

  bool operator==(const JournalHead&) const = default;
};

// Replaces HEAD durably: written to HEAD.tmp, synced, renamed over HEAD, directory synced.
Status WriteJournalHead(Env* env, const std::string& dir, const JournalHead& head);
// Reads HEAD into *head; nullopt when the directory has none (a journal written before HEAD
// existed, or one without segments). Corruption, naming the file and the field, when its bytes
// are damaged.
Status ReadJournalHead(Env* env, const std::string& dir, std::optional<JournalHead>* head);

}  // namespace ringdb::journal
