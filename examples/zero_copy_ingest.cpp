// Zero-copy ingest: claim ring slots, fill them in place straight from a stream (here a pipe, as
// a socket would be), publish the claim as one transaction, wait on its token.
// The record's bytes go from the kernel into the ring slot with no intermediate buffer.
//
//   zero_copy_ingest [path]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "example_dir.h"
#include "ringdb/ringdb.h"

namespace {

// Reads exactly buffer.size() bytes from fd into the value's memory (one or two regions).
bool ReadInto(int fd, const ringdb::ValueBuffer& buffer) {
  for (std::span<std::byte> region : {buffer.first, buffer.second}) {
    size_t done = 0;
    while (done < region.size()) {
      const ssize_t got = read(fd, region.data() + done, region.size() - done);
      if (got <= 0) {
        return false;
      }
      done += static_cast<size_t>(got);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ExampleDir dir(argc, argv, "ingest");
  const std::string& path = dir.path();
  std::unique_ptr<ringdb::Engine> engine;
  if (!ringdb::Engine::Open(ringdb::Options(), path, &engine).ok()) {
    return 1;
  }
  int stream[2];
  if (pipe(stream) != 0) {
    return 1;
  }
  constexpr int kRecords = 100;
  constexpr uint32_t kRecordBytes = 1000;
  std::thread sender([&] {
    std::string record(kRecordBytes, '\0');
    for (int i = 0; i < kRecords; ++i) {
      record.assign(kRecordBytes, static_cast<char>('A' + i % 26));
      if (write(stream[1], record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
        return;
      }
    }
    close(stream[1]);
  });

  ringdb::Token last;
  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "record/" + std::to_string(i);
    auto claim = engine->Claim(engine->SlotsFor(1, key.size() + kRecordBytes));
    if (!claim.ok()) {
      std::fprintf(stderr, "claim: %s\n", claim.status().ToString().c_str());
      return 1;
    }
    auto value = claim->PutInPlace(key, kRecordBytes);
    if (!value.ok() || !ReadInto(stream[0], *value)) {
      claim->Abort();
      return 1;
    }
    // No wait here: the next record is read while this one is journaled. Tokens resolve in
    // sequence order, so once the last has resolved all have; with no preconditions only a
    // fault can fail one, and a fault fails every later token too.
    last = claim->Publish();
  }
  sender.join();
  const ringdb::Status status = last.Wait();
  std::string check;
  const bool read_back = engine->Get("record/99", &check).ok() && check.size() == kRecordBytes &&
                         check[0] == static_cast<char>('A' + 99 % 26);
  std::printf("ingested %d records of %u bytes in place: %s, read back %s\n", kRecords,
              kRecordBytes, status.ToString().c_str(), read_back ? "ok" : "WRONG");
  return status.ok() && read_back && engine->Close().ok() ? 0 : 1;
}
