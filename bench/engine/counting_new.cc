// Replaces the global allocation functions of the benchmark binary with counting ones: every
// heap allocation the process makes through operator new, RocksDB's included, is counted, and
// while background counting is on, those made on RocksDB's own background threads (flushes and
// compactions, named "rocksdb:<pool>" by RocksDB) are also counted apart.
#include <sys/prctl.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "bench/engine/bench_util.h"

namespace {
std::atomic<uint64_t> allocation_count{0};
std::atomic<uint64_t> background_allocation_count{0};
std::atomic<bool> count_background{false};

// Reading the thread's name is a syscall, so it happens only while background counting is on
// (W3 makes about one allocation per 2,000 transactions outside RocksDB's flushes, so the cost
// does not show), and a thread once found to be RocksDB's is remembered: RocksDB names each pool
// thread right after starting it and never renames it.
bool OnRocksDbBackgroundThread() {
  thread_local bool known_background = false;
  if (!known_background) {
    char name[16] = {};
    known_background = prctl(PR_GET_NAME, name) == 0 && std::strncmp(name, "rocksdb:", 8) == 0;
  }
  return known_background;
}

void CountAllocation() {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (count_background.load(std::memory_order_relaxed) && OnRocksDbBackgroundThread()) {
    background_allocation_count.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

namespace ringdb::bench {
uint64_t AllocationCount() { return allocation_count.load(std::memory_order_relaxed); }
uint64_t BackgroundAllocationCount() {
  return background_allocation_count.load(std::memory_order_relaxed);
}
void CountBackgroundAllocations(bool on) { count_background.store(on, std::memory_order_relaxed); }
}  // namespace ringdb::bench

void* operator new(size_t size) {
  CountAllocation();
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, std::align_val_t alignment) {
  CountAllocation();
  const size_t align = static_cast<size_t>(alignment);
  if (void* memory = std::aligned_alloc(align, (size + align - 1) / align * align)) {
    return memory;
  }
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return operator new(size, alignment);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, size_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, size_t, std::align_val_t) noexcept { std::free(memory); }
