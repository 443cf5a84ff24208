// Goal: Options::Validate accepts the defaults and rejects each bad value with a message naming
// the field. Method: one bad field at a time.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ringdb/options.h"

namespace ringdb {
namespace {

TEST(OptionsTest, DefaultsAreValid) { EXPECT_TRUE(Options().Validate().ok()); }

TEST(OptionsTest, EachBadFieldIsNamed) {
  struct Case {
    const char* field;
    std::function<void(Options*)> spoil;
  };
  const Case cases[] = {
      {"ring_slot_count", [](Options* o) { o->ring_slot_count = 1000; }},
      {"ring_slot_count", [](Options* o) { o->ring_slot_count = 0; }},
      {"ring_slot_count", [](Options* o) { o->ring_slot_count = 1; }},
      {"ring_slot_count", [](Options* o) { o->ring_slot_count = uint64_t{1} << 25; }},
      {"ring_chunk_count", [](Options* o) { o->ring_chunk_count = 0; }},
      {"ring_chunk_count", [](Options* o) { o->ring_chunk_count = 1025; }},
      {"wait_strategy", [](Options* o) { o->wait_strategy = static_cast<WaitStrategy>(9); }},
      {"key_bytes_max", [](Options* o) { o->key_bytes_max = 0; }},
      {"key_bytes_max", [](Options* o) { o->key_bytes_max = (1u << 20) + 1; }},
      {"transaction_bytes_max", [](Options* o) { o->transaction_bytes_max = 10; }},
      {"transaction_bytes_max", [](Options* o) { o->transaction_bytes_max = 2u << 20; }},
      {"value_bytes_max", [](Options* o) { o->value_bytes_max = (1u << 20) + 1; }},
      {"journal_segment_bytes_max", [](Options* o) { o->journal_segment_bytes_max = 4096; }},
      {"journal_segment_bytes_max",
       [](Options* o) { o->journal_segment_bytes_max = uint64_t{5} << 30; }},
      {"journal_segment_bytes_max",
       [](Options* o) {
         o->journal_segment_bytes_max = uint64_t{1} << 20;
         o->transaction_bytes_max = 512u << 10;
         o->value_bytes_max = 1024;
       }},
      {"sync_mode", [](Options* o) { o->sync_mode = static_cast<SyncMode>(7); }},
      {"recovery_mode", [](Options* o) { o->recovery_mode = static_cast<RecoveryMode>(7); }},
      {"journal_prewritten_segments", [](Options* o) { o->journal_prewritten_segments = 17; }},
      {"checkpoint_journal_bytes", [](Options* o) { o->checkpoint_journal_bytes = 1; }},
      {"error_if_exists",
       [](Options* o) {
         o->create_if_missing = false;
         o->error_if_exists = true;
       }},
  };
  for (const Case& c : cases) {
    Options options;
    c.spoil(&options);
    const Status status = options.Validate();
    EXPECT_TRUE(status.IsInvalidArgument()) << c.field << ": " << status.ToString();
    EXPECT_NE(status.message().find(c.field), std::string_view::npos)
        << "message does not name " << c.field << ": " << status.ToString();
  }
}

}  // namespace
}  // namespace ringdb
