#include "ringdb/logger.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ringdb {

std::shared_ptr<spdlog::logger> DefaultLogger() {
  // A function-local static: created once, thread-safe, and never registered in spdlog's global
  // registry, so it cannot clash with a user's logger of the same name.
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "ringdb", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    created->set_level(spdlog::level::info);
    return created;
  }();
  return logger;
}

}  // namespace ringdb
