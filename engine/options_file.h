// <path>/OPTIONS: the options an engine was last opened with, one "name = value" line each,
// written at every Open (to a temporary file, then renamed). The `ringdb` command reads it to
// show the options in force and to reopen a database with the same geometry and limits.
#pragma once

#include <string>
#include <string_view>

#include "ringdb/env.h"
#include "ringdb/options.h"

namespace ringdb {

// The file also records journal_record_bytes_max: the largest record the journal may hold, which
// only ever grows, so that a later Open with a smaller transaction_bytes_max still reads it.
std::string FormatOptions(const Options& options, uint32_t journal_record_bytes_max = 0);
// Reads the fields FormatOptions writes into *options (others keep their values) and, when
// asked, journal_record_bytes_max (0 when absent). Unknown names are ignored, so that a newer
// file still loads; a malformed value (anything but decimal digits, or more than its field
// holds: never cut to fit) is InvalidArgument naming it. Values are not validated here:
// Options::Validate does that.
Status ParseOptions(std::string_view text, Options* options,
                    uint32_t* journal_record_bytes_max = nullptr);
// Both go through `env` (Env::Default() when null), as every file of a database does, so that a
// fault-injecting Env reaches them. The write is durable when it returns OK (a temporary file,
// synced, renamed over OPTIONS, the directory synced); after any failure or power cut the file
// holds either the old or the new text.
Status WriteOptionsFile(const std::string& db_path, const Options& options,
                        uint32_t journal_record_bytes_max = 0, Env* env = nullptr);
// NotFound when there is no OPTIONS file; an IOError naming the file when it cannot be read.
Status ReadOptionsFile(const std::string& db_path, Options* options,
                       uint32_t* journal_record_bytes_max = nullptr, Env* env = nullptr);

// OK when `options` (already valid) can open the database at db_path as far as what its OPTIONS
// file recorded goes: the journal's record floor. Otherwise InvalidArgument naming the stored
// value, the option that conflicts with it and the value to set. OK without an OPTIONS file, or
// with a malformed one (opening reports that where it matters).
// Reads through options.env.
Status CheckStoredOptions(const Options& options, const std::string& db_path);

}  // namespace ringdb
