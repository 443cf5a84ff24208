// A spdlog logger whose lines a test can read and wait for.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace ringdb {

class LogCapture {
 public:
  explicit LogCapture(spdlog::level::level_enum level = spdlog::level::info)
      : sink_(std::make_shared<Sink>(this)),
        logger_(std::make_shared<spdlog::logger>("capture", sink_)) {
    logger_->set_level(level);
  }

  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }

  // Every line logged so far that contains `text`.
  std::vector<std::string> LinesWith(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> found;
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) {
        found.push_back(line);
      }
    }
    return found;
  }

  // Waits until a line contains `text` or `also_done` holds (checked at each line and at Wake);
  // false when `limit` passes first.
  bool WaitFor(const std::string& text, const std::function<bool()>& also_done,
               std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      for (const std::string& line : lines_) {
        if (line.find(text) != std::string::npos) {
          return true;
        }
      }
      return also_done();
    });
  }

  // Wakes WaitFor to check also_done again.
  void Wake() {
    std::lock_guard<std::mutex> lock(mutex_);
    changed_.notify_all();
  }

 private:
  class Sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    explicit Sink(LogCapture* capture) : capture_(capture) {}

   protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
      std::lock_guard<std::mutex> lock(capture_->mutex_);
      capture_->lines_.emplace_back(message.payload.data(), message.payload.size());
      capture_->changed_.notify_all();
    }
    void flush_() override {}

   private:
    LogCapture* capture_;
  };

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ringdb
