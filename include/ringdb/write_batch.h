// ringdb::WriteBatch: the builder path to a transaction. Collect puts, deletes and preconditions,
// then hand the batch to Engine::Submit (a token) or Engine::Write (submit and wait). The batch
// is applied atomically: every operation or none. Preconditions are checked against the state
// just before the transaction, in the serial order of the ring; if one fails, the transaction
// fails with Conflict and writes nothing.
//
// The batch holds its operations already encoded (engine/txn_format.h), so Submit copies its bytes
// into ring slots with no further work. Clear() keeps the buffer, so a thread that reuses one
// batch allocates nothing once it has grown.
//
// Thread safety: a batch is used by one thread at a time; Submit only reads it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringdb {

class WriteBatch {
 public:
  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  WriteBatch(WriteBatch&&) noexcept = default;
  WriteBatch& operator=(WriteBatch&&) noexcept = default;
  ~WriteBatch() = default;

  // Sets key to value.
  void Put(std::string_view key, std::string_view value);
  // Removes key; removing a missing key is not an error.
  void Delete(std::string_view key);
  // Precondition: key exists and holds exactly value.
  void ExpectEqual(std::string_view key, std::string_view value);
  // Precondition: key does not exist.
  void ExpectAbsent(std::string_view key);
  // Precondition: key exists, whatever its value.
  void ExpectPresent(std::string_view key);

  // Empties the batch and keeps its buffer.
  void Clear();

  uint32_t operation_count() const { return operation_count_; }
  bool empty() const { return operation_count_ == 0; }
  // The encoded transaction, exactly as it will be journaled.
  std::string_view encoded() const { return rep_; }
  // Sizes of the shortest key, the longest key and the longest value added so far (not limits:
  // Options::key_bytes_max and value_bytes_max are), so that Submit checks the engine's limits
  // without a second pass over the batch. UINT32_MAX, 0 and 0 while the batch is empty.
  uint32_t shortest_key_bytes() const { return key_bytes_min_; }
  uint64_t longest_key_bytes() const { return key_bytes_max_; }
  uint64_t longest_value_bytes() const { return value_bytes_max_; }
  // The names these had before, which read like the limits of the same names in Options.
  [[deprecated("use shortest_key_bytes")]] uint32_t key_bytes_min() const { return key_bytes_min_; }
  [[deprecated("use longest_key_bytes")]] uint64_t key_bytes_max() const { return key_bytes_max_; }
  [[deprecated("use longest_value_bytes")]] uint64_t value_bytes_max() const {
    return value_bytes_max_;
  }

 private:
  void Append(uint8_t type, std::string_view key, std::string_view value);

  std::string rep_;
  uint32_t operation_count_ = 0;
  uint32_t key_bytes_min_ = UINT32_MAX;
  uint64_t key_bytes_max_ = 0;
  uint64_t value_bytes_max_ = 0;
};

}  // namespace ringdb
