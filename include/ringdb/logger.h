// Logging: ringdb logs through spdlog. A user who already runs spdlog passes their own logger in
// the options of the engine or the ring; otherwise ringdb uses a logger named "ringdb" that
// writes to stderr, created on first use and shared by every engine in the process.
//
// This header only forward-declares spdlog so that including ringdb never pulls spdlog's headers
// into the user's translation units.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ringdb {

// The logger ringdb uses when the options do not name one: it logs warnings and errors only.
// Lower its level (DefaultLogger()->set_level(spdlog::level::info)), or pass a logger of your
// own, to see info lines too. Thread-safe.
std::shared_ptr<spdlog::logger> DefaultLogger();

}  // namespace ringdb
