// Goal: the hot path allocates nothing: Add (from a payload in pieces) and Commit into an existing
// segment make no heap allocation once the journal is open. Method: this binary replaces the
// global operator new with one that counts, per thread, while a flag is set.
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal_test_util.h"

namespace {

thread_local bool counting = false;
thread_local uint64_t allocations = 0;

}  // namespace

void* operator new(std::size_t size) {
  if (counting) {
    ++allocations;
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace ringdb::journal {
namespace {

TEST(AddAllocationTest, AddAndCommitDoNotAllocate) {
  FaultInjectionEnv env;
  JournalOptions options = testing::SmallOptions(&env);
  options.prewritten_segments = 0;
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Journal::Open(options, "/journal", nullptr, &journal).ok());
  const std::vector<std::byte> payload = testing::Payload(1, 100);
  uint64_t sequence = 0;
  ASSERT_TRUE(journal->Add(1, payload, &sequence).ok());
  ASSERT_TRUE(journal->Commit().ok());  // Creates the segment: allowed to allocate.
  const std::span<const std::byte> pieces[] = {std::span(payload).first(30),
                                               std::span(payload).subspan(30)};
  counting = true;
  for (int i = 0; i < 10; ++i) {
    const Status added = journal->Add(1, pieces, &sequence);
    if (!added.ok()) break;
  }
  counting = false;
  EXPECT_EQ(allocations, 0u) << "Add allocated";
  // Commit is measured on its own; the in-memory Env copies the written bytes into its pending
  // log (a test artefact, not the journal), so only the journal's Commit path is examined here
  // with the POSIX Env.
  testing::TempDir dir;
  JournalOptions posix = testing::SmallOptions(nullptr);
  posix.prewritten_segments = 0;
  std::unique_ptr<Journal> on_disk;
  ASSERT_TRUE(Journal::Open(posix, dir.path() + "/journal", nullptr, &on_disk).ok());
  ASSERT_TRUE(on_disk->Add(1, payload, &sequence).ok());
  ASSERT_TRUE(on_disk->Commit().ok());
  allocations = 0;
  counting = true;
  for (int i = 0; i < 10; ++i) {
    const Status added = on_disk->Add(1, pieces, &sequence);
    const Status committed = on_disk->Commit();
    if (!added.ok() || !committed.ok()) break;
  }
  counting = false;
  EXPECT_EQ(allocations, 0u) << "Add or Commit allocated";
}

}  // namespace
}  // namespace ringdb::journal
