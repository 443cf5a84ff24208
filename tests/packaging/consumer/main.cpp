// Opens a database, commits a transaction, reads it back: proof that the installed headers,
// library and CMake package are complete.
#include <cstdio>
#include <string>

#include <ringdb/ringdb.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer <path>\n");
    return 2;
  }
  std::unique_ptr<ringdb::Engine> engine;
  ringdb::Status status = ringdb::Engine::Open(ringdb::Options(), argv[1], &engine);
  if (!status.ok()) {
    std::fprintf(stderr, "open: %s\n", status.ToString().c_str());
    return 1;
  }
  ringdb::WriteBatch batch;
  batch.Put("installed", RINGDB_VERSION_STRING);
  status = engine->Write(batch);
  std::string value;
  if (!status.ok() || !engine->Get("installed", &value).ok() || value != RINGDB_VERSION_STRING) {
    std::fprintf(stderr, "write/read failed: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("consumer: ringdb %s installed and working\n", value.c_str());
  return engine->Close().ok() ? 0 : 1;
}
