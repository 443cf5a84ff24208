// Quickstart: open a database, write one transaction, wait for its token, read it back.
//
//   quickstart [path]      (default: a temporary directory, removed at the end)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "example_dir.h"
#include "ringdb/ringdb.h"

int main(int argc, char** argv) {
  ExampleDir dir(argc, argv, "quickstart");
  const std::string& path = dir.path();

  ringdb::Options options;  // Durable by default: one fdatasync per group commit.
  std::unique_ptr<ringdb::Engine> engine;
  ringdb::Status status = ringdb::Engine::Open(options, path, &engine);
  if (!status.ok()) {
    std::fprintf(stderr, "open failed: %s\n", status.ToString().c_str());
    return 1;
  }

  // A transaction: both puts are applied, or neither.
  ringdb::WriteBatch batch;
  batch.Put("greeting", "hello");
  batch.Put("subject", "world");
  ringdb::Token token = engine->Submit(batch);  // Returns at once.
  status = token.Wait();                        // Durable in the journal and applied.
  if (!status.ok()) {
    std::fprintf(stderr, "write failed: %s\n", status.ToString().c_str());
    return 1;
  }

  std::string greeting;
  std::string subject;
  if (!engine->Get("greeting", &greeting).ok() || !engine->Get("subject", &subject).ok()) {
    std::fprintf(stderr, "read failed\n");
    return 1;
  }
  std::printf("%s, %s (transaction %llu, in %s)\n", greeting.c_str(), subject.c_str(),
              static_cast<unsigned long long>(token.sequence()), path.c_str());
  return engine->Close().ok() ? 0 : 1;
}
