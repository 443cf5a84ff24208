// Goal: Options::Validate accepts the defaults and rejects each bad value with a message naming
// the field. Method: one bad field at a time.
#include "ringdb/options.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "ringdb/ring_options.h"

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
      {"ring_slot_count", [](Options* o) { o->ring_slot_count = uint64_t{1} << 31; }},
      {"ring_slot_count",
       [](Options* o) {
         o->ring_slot_count = uint64_t{1} << 24;
         o->ring_chunk_count = 1024;
       }},
      {"ring_chunk_count", [](Options* o) { o->ring_chunk_count = 0; }},
      {"ring_chunk_count", [](Options* o) { o->ring_chunk_count = 2049; }},
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

// Goal: Options::Validate accepts a ring geometry exactly when the ring does, and never accepts
// options whose derived journal the journal refuses. Method: a grid of slot and chunk counts
// around every ring limit (2^30 slots, 2048 chunks, 16 GiB), each judged by both.
TEST(OptionsTest, RingGeometryIsJudgedExactlyAsTheRingJudgesIt) {
  const uint64_t slot_counts[] = {4,  // 4 x 1 chunk: 128 bytes, twice the least transaction.
                                  4096,
                                  uint64_t{1} << 18,
                                  uint64_t{1} << 19,
                                  uint64_t{1} << 24,
                                  uint64_t{1} << 29,
                                  uint64_t{1} << 30,
                                  uint64_t{1} << 31};
  const uint32_t chunk_counts[] = {1, 4, 512, 1024, 2048, 2049};
  int accepted = 0;
  for (const uint64_t slots : slot_counts) {
    for (const uint32_t chunks : chunk_counts) {
      Options options;
      options.ring_slot_count = slots;
      options.ring_chunk_count = chunks;
      options.transaction_bytes_max = 64;
      options.value_bytes_max = 0;
      const Status engine = options.Validate();
      RingOptions ring_options;
      ring_options.slot_count = slots;
      ring_options.chunk_count = chunks;
      const Status ring = ring_options.Validate();
      EXPECT_EQ(engine.ok(), ring.ok())
          << slots << " x " << chunks << ": Validate says " << engine.ToString()
          << ", the ring says " << ring.ToString();
      if (!engine.ok()) {
        EXPECT_NE(engine.message().find("ring_"), std::string_view::npos) << engine.ToString();
      } else {
        ++accepted;
        EXPECT_TRUE(JournalOptionsFor(options, 0).Validate().ok()) << slots << " x " << chunks;
      }
    }
  }
  EXPECT_GT(accepted, 10) << "the grid must hold accepted geometries too";
}

// Goal: the 16 GiB ring cap is enforced by Validate at its exact edge and names both fields.
TEST(OptionsTest, RingBytesCapIsEnforcedAtItsEdge) {
  Options options;
  options.ring_slot_count = uint64_t{1} << 19;
  options.ring_chunk_count = 1024;  // 2^19 * 1024 * 32 = 16 GiB exactly.
  EXPECT_TRUE(options.Validate().ok()) << options.Validate().ToString();
  options.ring_slot_count = uint64_t{1} << 20;  // 32 GiB.
  const Status status = options.Validate();
  ASSERT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find("ring_slot_count * ring_chunk_count"), std::string_view::npos)
      << status.ToString();
  EXPECT_NE(status.message().find(std::to_string(kRingBytesMax)), std::string_view::npos)
      << status.ToString();
}

// The OPTIONS file: what FormatOptions writes, ParseOptions reads back exactly.
TEST(OptionsFileTest, FormatThenParseRoundTrips) {
  Options written;
  written.ring_slot_count = 1024;
  written.ring_chunk_count = 8;
  written.wait_strategy = WaitStrategy::kYielding;
  written.transaction_bytes_max = 4096;
  written.value_bytes_max = 2048;
  written.recovery_mode = RecoveryMode::kPointInTime;
  written.journal_retention_transactions = 77;
  Options read;
  uint32_t record_bytes_max = 0;
  ASSERT_TRUE(ParseOptions(FormatOptions(written, 65536), &read, &record_bytes_max).ok());
  EXPECT_EQ(FormatOptions(read, record_bytes_max), FormatOptions(written, 65536));
  EXPECT_EQ(record_bytes_max, 65536u);
}

// A value is refused, naming its field, unless it is plain decimal digits that fit the field:
// a sign, a space, a NUL or an overflow would otherwise be read as some other number.
TEST(OptionsFileTest, MalformedOrTooLargeValuesAreRefusedNotCut) {
  const char* const bad[] = {
      "ring_chunk_count = 4294967300\n",           // wraps to 4 in a uint32_t
      "wait_strategy = 256\n",                     // wraps to 0 in a uint8_t
      "ring_slot_count = 18446744073709551616\n",  // one past UINT64_MAX
      "ring_slot_count = -1\n",
      "ring_slot_count = +16\n",
      "ring_slot_count =  16\n",
      "ring_slot_count = 16 \n",
      "ring_slot_count = 0x10\n",
      "ring_slot_count = \n",
      "journal_record_bytes_max = 4294967296\n",
      "journal_record_bytes_max = many\n",
  };
  for (const char* text : bad) {
    Options options;
    uint32_t record_bytes_max = 0;
    const Status status = ParseOptions(text, &options, &record_bytes_max);
    EXPECT_TRUE(status.IsInvalidArgument()) << text << status.ToString();
    const std::string_view name =
        std::string_view(text).substr(0, std::string_view(text).find(' '));
    EXPECT_NE(status.message().find(name), std::string_view::npos) << status.ToString();
  }
  Options options;
  std::string with_nul = "key_bytes_max = 12";
  with_nul += '\0';
  with_nul += "34\n";
  EXPECT_TRUE(ParseOptions(with_nul, &options).IsInvalidArgument());
  EXPECT_EQ(options.key_bytes_max, Options().key_bytes_max);
}

TEST(OptionsFileTest, UnknownNamesCommentsAndBlankLinesAreIgnored) {
  Options options;
  const Status status = ParseOptions(
      "# comment\n\nfuture_option = whatever\nkey_bytes_max = 00100\nno equals sign here",
      &options);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();  // The last line is malformed.
  EXPECT_EQ(options.key_bytes_max, 100u);
  EXPECT_TRUE(ParseOptions("# comment\n\nfuture_option = whatever\n", &options).ok());
}

}  // namespace
}  // namespace ringdb
