// libFuzzer target for the journal's record decoder and segment reader: arbitrary bytes must never
// crash, read out of bounds, allocate according to a length field, or loop without bound, and
// whatever is accepted must satisfy the format's invariants.
//
// The decoder sources are compiled into this target (not linked from ringdb) so that the fuzzer's
// coverage instrumentation reaches them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "journal/record_codec.h"
#include "journal/record_format.h"
#include "journal/segment_reader.h"
#include "util/assert.h"

namespace {

constexpr uint32_t kRecordBytesMax = 4096;

void FuzzDecoder(std::span<const std::byte> input) {
  using namespace ringdb::journal;
  DecodedRecord decoded;
  if (DecodeRecord(input, kRecordBytesMax, &decoded) == DecodeOutcome::kRecord) {
    RINGDB_ASSERT(decoded.size_bytes <= input.size());
    RINGDB_ASSERT(decoded.payload.size() == decoded.header.length);
    RINGDB_ASSERT(decoded.header.length <= kRecordBytesMax);
    RINGDB_ASSERT(decoded.header.first_sequence >= format::kFirstSequence);
  }
}

void FuzzSegment(std::span<const std::byte> input, uint64_t segment_id) {
  using namespace ringdb::journal;
  SegmentReader reader(kRecordBytesMax);
  reader.Reset(input, segment_id, 1);
  DecodedRecord decoded;
  uint64_t offset = 0;
  uint64_t previous_end = 0;
  // Bounded: each record or resync moves strictly forward through a finite input.
  for (uint64_t pass = 0; pass <= input.size(); ++pass) {
    while (reader.Next(&decoded, &offset)) {
      RINGDB_ASSERT(offset >= previous_end);
      RINGDB_ASSERT(decoded.header.segment_id == segment_id);
      RINGDB_ASSERT(decoded.header.type == format::kTransaction);
      previous_end = offset + decoded.size_bytes;
      RINGDB_ASSERT(previous_end <= input.size());
    }
    if (reader.end() != SegmentEnd::kBad && reader.end() != SegmentEnd::kNoHeader) {
      break;
    }
    const LaterRecords later = reader.FindLaterRecords();
    RINGDB_ASSERT(!later.found || later.first_offset < input.size());
    if (!reader.Resync()) {
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  FuzzDecoder(input);
  FuzzSegment(input, 1);
  return 0;
}
