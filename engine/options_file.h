// <path>/OPTIONS: the options an engine was last opened with, one "name = value" line each,
// written at every Open (to a temporary file, then renamed). The `ringdb` command reads it to
// show the options in force and to reopen a database with the same geometry and limits.
#pragma once

#include <string>
#include <string_view>

#include "ringdb/options.h"

namespace ringdb {

std::string FormatOptions(const Options& options);
// Reads the fields FormatOptions writes into *options (others keep their values). Unknown names
// are ignored, so that a newer file still loads; a malformed value is InvalidArgument naming it.
Status ParseOptions(std::string_view text, Options* options);
Status WriteOptionsFile(const std::string& db_path, const Options& options);
Status ReadOptionsFile(const std::string& db_path, Options* options);

}  // namespace ringdb
