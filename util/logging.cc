#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "ringdb/logger.h"

namespace ringdb {

std::shared_ptr<spdlog::logger> DefaultLogger() {
  // A function-local static: created once, thread-safe, and never registered in spdlog's global
  // registry, so it cannot clash with a user's logger of the same name.
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "ringdb", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    // Warnings and errors only: an embedded library is quiet on its host's stderr when all is
    // well. Pass a logger of your own, or lower this one's level, for the info lines.
    created->set_level(spdlog::level::warn);
    return created;
  }();
  return logger;
}

}  // namespace ringdb
