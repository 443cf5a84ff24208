// How a journaled transaction is judged and what it writes: the one definition that the applier
// (live apply, recovery replay, `ringdb replay`) and the read-only view (re-executing the journal
// past RocksDB's marker in memory, read_only_database.cc) both use, so that they reach the same
// outcome for every transaction.
//
//   ValidateTransaction   undecodable bytes: Corruption, judged failed, nothing written;
//                         a newer format: NotSupported, not judged (whoever meets it stops);
//                         otherwise the transaction, decoded once and checked whole
//   CheckPreconditions    each precondition read against the state after every earlier
//                         transaction; the first that does not hold: Conflict, nothing written
//   ForEachWrite          the puts and deletes, in order, once the preconditions held
//
// The last two walk the checked transaction without decoding it again. Each takes the state as a
// callable, inlined into its caller: no allocation, no virtual call.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "engine/txn_codec.h"
#include "ringdb/status.h"
#include "util/assert.h"

namespace ringdb::apply {

// A key as a message names it: 'key', printable ASCII as is and other bytes (and '\') as \xNN;
// past 64 bytes, cut with "..." and its size, so that a message stays short.
std::string QuotedKey(std::string_view key);

// OK when the transaction decodes within the format's limits (never the options': see
// txn_format.h), with *valid describing it; otherwise Corruption naming the sequence and what is
// wrong, or NotSupported when a newer ringdb wrote it.
Status ValidateTransaction(std::span<const std::byte> transaction, uint64_t sequence,
                           txn::ValidTransaction* valid);

// True when `status` is a judgement of the transaction (a precondition failed, or its bytes do
// not decode): its token failed so live, and replay and the read-only view count it failed too.
// Any other failure leaves the transaction unjudged: whoever replays must stop there.
inline bool JudgedFailed(const Status& status) {
  return status.IsConflict() || status.IsCorruption();
}

// `status` (not OK), prefixed with the journal record it stopped at.
inline Status AtRecord(const Status& status, std::string_view segment, uint64_t offset) {
  return Status::FromCode(status.code(), "journal record at " + std::string(segment) + " offset " +
                                             std::to_string(offset) + ": " +
                                             std::string(status.message()));
}

// The Conflict of a precondition of `type` on `key` that did not hold.
Status PreconditionFailed(uint64_t sequence, txn::OpType type, std::string_view key);

inline rocksdb::Slice ToSlice(std::string_view view) {
  return rocksdb::Slice(view.data(), view.size());
}

// Checks every precondition of a transaction. read(key, &present, &value) reads the
// key in the state that serial order gives at this transaction and returns OK (setting present,
// and value when present; value stays valid until the next read) or the error that stopped it,
// which is returned as is. OK when every precondition holds, Conflict naming the first that does
// not.
template <typename Read>
Status CheckPreconditions(const txn::ValidTransaction& transaction, uint64_t sequence,
                          Read&& read) {
  Status outcome;
  if (transaction.precondition_count() == 0) {
    return outcome;
  }
  transaction.ForEach([&](const txn::Op& op) {
    if (!txn::IsPrecondition(op.type)) {
      return true;
    }
    bool present = false;
    std::string_view value;
    if (outcome = read(op.key, &present, &value); !outcome.ok()) {
      return false;
    }
    const bool holds = (op.type == txn::OpType::kExpectAbsent && !present) ||
                       (op.type == txn::OpType::kExpectPresent && present) ||
                       (op.type == txn::OpType::kExpectEqual && present && value == op.value);
    if (!holds) {
      outcome = PreconditionFailed(sequence, op.type, op.key);
    }
    return holds;
  });
  return outcome;
}

// Calls put(key, value) and del(key) for the writes of a transaction, in order; each returns a
// rocksdb::Status, and the first that is not OK ends the walk with an IOError.
template <typename Put, typename Delete>
Status ForEachWrite(const txn::ValidTransaction& transaction, Put&& put, Delete&& del) {
  rocksdb::Status staged;
  transaction.ForEach([&](const txn::Op& op) {
    if (op.type == txn::OpType::kPut) {
      staged = put(op.key, op.value);
    } else if (op.type == txn::OpType::kDelete) {
      staged = del(op.key);
    }
    return staged.ok();
  });
  if (!staged.ok()) {
    return Status::IOError("staging a write: " + staged.ToString());
  }
  return Status::OK();
}

}  // namespace ringdb::apply
