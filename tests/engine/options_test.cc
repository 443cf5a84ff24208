// Goal: Options::Validate accepts the defaults and rejects each bad value with a message naming
// the field. Method: one bad field at a time.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "engine/options_file.h"
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
      "ring_chunk_count = 4294967300\n",        // wraps to 4 in a uint32_t
      "wait_strategy = 256\n",                  // wraps to 0 in a uint8_t
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
    const std::string_view name = std::string_view(text).substr(0, std::string_view(text).find(' '));
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
      "# comment\n\nfuture_option = whatever\nkey_bytes_max = 00100\nno equals sign here", &options);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();  // The last line is malformed.
  EXPECT_EQ(options.key_bytes_max, 100u);
  EXPECT_TRUE(ParseOptions("# comment\n\nfuture_option = whatever\n", &options).ok());
}

}  // namespace
}  // namespace ringdb
