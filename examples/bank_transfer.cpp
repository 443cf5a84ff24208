// Bank transfers: accounts as keys, concurrent transfers guarded by ExpectEqual preconditions.
// A transfer reads both balances, then submits "expect these balances, write the new ones"; if
// another transfer got there first the token fails with Conflict and the transfer retries with
// fresh balances. Whatever the interleaving, the total never changes.
//
//   bank_transfer [path]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "example_dir.h"
#include "ringdb/ringdb.h"

namespace {

constexpr int kAccounts = 16;
constexpr int64_t kInitialBalance = 1000;

std::string AccountKey(int account) { return "account/" + std::to_string(account); }

int64_t Balance(ringdb::Engine* engine, int account, std::string* raw) {
  if (!engine->Get(AccountKey(account), raw).ok()) {
    return -1;
  }
  return std::stoll(*raw);
}

// Moves `amount` from one account to another; returns the number of conflicts retried.
int Transfer(ringdb::Engine* engine, int from, int to, int64_t amount) {
  int conflicts = 0;
  ringdb::WriteBatch batch;
  std::string from_raw;
  std::string to_raw;
  for (;;) {
    const int64_t from_balance = Balance(engine, from, &from_raw);
    const int64_t to_balance = Balance(engine, to, &to_raw);
    if (from_balance < amount) {
      return conflicts;  // Insufficient funds: nothing to do.
    }
    batch.Clear();
    batch.ExpectEqual(AccountKey(from), from_raw);
    batch.ExpectEqual(AccountKey(to), to_raw);
    batch.Put(AccountKey(from), std::to_string(from_balance - amount));
    batch.Put(AccountKey(to), std::to_string(to_balance + amount));
    const ringdb::Status status = engine->Write(batch);
    if (status.ok()) {
      return conflicts;
    }
    if (!status.IsConflict()) {
      std::fprintf(stderr, "transfer failed: %s\n", status.ToString().c_str());
      std::exit(1);
    }
    ++conflicts;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ExampleDir dir(argc, argv, "bank");
  const std::string& path = dir.path();
  std::unique_ptr<ringdb::Engine> engine;
  if (!ringdb::Engine::Open(ringdb::Options(), path, &engine).ok()) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    return 1;
  }
  ringdb::WriteBatch open_accounts;
  for (int account = 0; account < kAccounts; ++account) {
    open_accounts.Put(AccountKey(account), std::to_string(kInitialBalance));
  }
  if (!engine->Write(open_accounts).ok()) {
    return 1;
  }

  std::atomic<int> conflicts{0};
  std::vector<std::thread> tellers;
  for (int teller = 0; teller < 8; ++teller) {
    tellers.emplace_back([&, teller] {
      std::mt19937 random(static_cast<unsigned>(teller));
      for (int i = 0; i < 250; ++i) {
        const int from = static_cast<int>(random() % kAccounts);
        const int to = (from + 1 + static_cast<int>(random() % (kAccounts - 1))) % kAccounts;
        conflicts += Transfer(engine.get(), from, to, 1 + static_cast<int64_t>(random() % 50));
      }
    });
  }
  for (std::thread& teller : tellers) {
    teller.join();
  }

  int64_t total = 0;
  std::string raw;
  for (int account = 0; account < kAccounts; ++account) {
    total += Balance(engine.get(), account, &raw);
  }
  std::printf("2000 transfers by 8 tellers, %d conflicts retried, total %lld (expected %lld)\n",
              conflicts.load(), static_cast<long long>(total),
              static_cast<long long>(kAccounts * kInitialBalance));
  const bool closed = engine->Close().ok();
  return closed && total == kAccounts * kInitialBalance ? 0 : 1;
}
