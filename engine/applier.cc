#include "engine/applier.h"

#include <string>

#include "engine/apply_rules.h"
#include "engine/rocksdb_status.h"
#include "engine/txn_codec.h"
#include "util/assert.h"
#include "util/coding.h"

namespace ringdb {

namespace {

using apply::ToSlice;

}  // namespace

namespace apply {

std::string QuotedKey(std::string_view key) {
  constexpr size_t kShownBytes = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted = "'";
  for (const char c : key.substr(0, kShownBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      quoted += c;
    } else {
      quoted += {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  if (key.size() <= kShownBytes) {
    return quoted + "'";
  }
  return quoted + "...' (" + std::to_string(key.size()) + " bytes)";
}

Status ValidateTransaction(std::span<const std::byte> transaction, uint64_t sequence,
                           txn::ValidTransaction* valid) {
  const Status status = txn::Validate(transaction, txn::kKeyBytesLimit, UINT32_MAX, valid);
  if (status.ok()) {
    return status;
  }
  return Status::FromCode(status.code(), "transaction " + std::to_string(sequence) + ": " +
                                             std::string(status.message()));
}

Status PreconditionFailed(uint64_t sequence, txn::OpType type, std::string_view key) {
  const char* what = type == txn::OpType::kExpectAbsent    ? "expected absent"
                     : type == txn::OpType::kExpectPresent ? "expected present"
                                                           : "expected a different value";
  return Status::Conflict("transaction " + std::to_string(sequence) + ": key " + QuotedKey(key) +
                          " " + what);
}

}  // namespace apply

Applier::Applier(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* data,
                 rocksdb::ColumnFamilyHandle* meta)
    : db_(db), data_(data), meta_(meta) {
  RINGDB_ASSERT(db_ != nullptr);
  RINGDB_ASSERT(data_ != nullptr && meta_ != nullptr);
  // The journal is the log: RocksDB's own WAL would only add a second sync.
  write_options_.disableWAL = true;
  write_options_.sync = false;
}

void Applier::ResetTo(uint64_t sequence) {
  RINGDB_ASSERT(staged_count_ == 0);
  judged_sequence_ = sequence;
  committed_sequence_ = sequence;
}

Status Applier::Stage(std::span<const std::byte> bytes, uint64_t sequence) {
  RINGDB_ASSERT(sequence > judged_sequence_);
  txn::ValidTransaction transaction;
  Status status = apply::ValidateTransaction(bytes, sequence, &transaction);
  if (apply::JudgedFailed(status)) {
    judged_sequence_ = sequence;  // Undecodable bytes are judged failed, live and in replay.
    return status;
  }
  if (!status.ok()) {
    return status;  // A newer format: not judged, so no marker covers it.
  }
  status = CheckPreconditions(transaction, sequence);
  if (status.IsConflict()) {
    judged_sequence_ = sequence;  // Judged: the marker may cover it, replay judges it the same.
    return status;
  }
  if (!status.ok()) {
    return status;  // Not judged: the marker must not cover a transaction never applied.
  }
  if (transaction.write_count() > 0) {
    // A save point makes the transaction's writes all-or-nothing within the group's batch.
    batch_.SetSavePoint();
    status = StageWrites(transaction);
    if (!status.ok()) {
      batch_.RollbackToSavePoint().PermitUncheckedError();
      return status;
    }
    batch_.PopSavePoint().PermitUncheckedError();
  }
  judged_sequence_ = sequence;
  ++staged_count_;
  return status;
}

Status Applier::CheckPreconditions(const txn::ValidTransaction& transaction, uint64_t sequence) {
  return apply::CheckPreconditions(
      transaction, sequence,
      [this, sequence](std::string_view key, bool* present, std::string_view* value) {
        // A key the group may have written is read only after the group is committed. Earlier
        // reads of this transaction stay exact: their keys were not staged, so the commit leaves
        // them as they were.
        if (staged_count_ > 0 && staged_keys_.MayContain(key)) {
          if (Status committed = Commit(); !committed.ok()) {
            return committed;
          }
        }
        read_value_.Reset();
        const rocksdb::Status read = db_->Get(read_options_, data_, ToSlice(key), &read_value_);
        if (!read.ok() && !read.IsNotFound()) {
          return Status::IOError("reading precondition key of transaction " +
                                 std::to_string(sequence) + ": " + read.ToString());
        }
        *present = read.ok();
        *value = read_value_.ToStringView();
        return Status::OK();
      });
}

Status Applier::StageWrites(const txn::ValidTransaction& transaction) {
  return apply::ForEachWrite(
      transaction,
      [this](std::string_view key, std::string_view value) {
        staged_keys_.Insert(key);
        return batch_.Put(data_, ToSlice(key), ToSlice(value));
      },
      [this](std::string_view key) {
        staged_keys_.Insert(key);
        return batch_.Delete(data_, ToSlice(key));
      });
}

rocksdb::Status Applier::PutMarker(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* meta,
                                   uint64_t sequence) {
  char marker[sizeof(sequence)];
  coding::Put<uint64_t>(marker, sequence);
  return batch->Put(meta, kMarkerKey, rocksdb::Slice(marker, sizeof(marker)));
}

Status Applier::WriteMarker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, uint64_t sequence) {
  rocksdb::WriteBatch batch;
  rocksdb::Status status = PutMarker(&batch, meta, sequence);
  if (status.ok()) {
    rocksdb::WriteOptions write_options;
    write_options.disableWAL = true;
    status = db->Write(write_options, &batch);
  }
  return status.ok() ? Status::OK()
                     : Status::IOError("writing the marker: " + RocksDbErrorText(status));
}

Status Applier::Commit() {
  if (judged_sequence_ == committed_sequence_) {
    return Status::OK();
  }
  rocksdb::Status status = PutMarker(&batch_, meta_, judged_sequence_);
  if (status.ok()) {
    status = db_->Write(write_options_, &batch_);
  }
  batch_.Clear();
  staged_keys_.Clear();
  staged_count_ = 0;
  if (!status.ok()) {
    const uint64_t lost_through = judged_sequence_;
    judged_sequence_ = committed_sequence_;  // Lost with the batch: no later marker covers them.
    return Status::IOError("RocksDB write of transactions " +
                           std::to_string(committed_sequence_ + 1) + ".." +
                           std::to_string(lost_through) + " failed: " + RocksDbErrorText(status));
  }
  committed_sequence_ = judged_sequence_;
  return Status::OK();
}

Status Applier::ReadMarker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, uint64_t* sequence,
                           const rocksdb::Snapshot* snapshot) {
  RINGDB_ASSERT(sequence != nullptr);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  const rocksdb::Status status = db->Get(read, meta, kMarkerKey, &value);
  if (status.IsNotFound()) {
    *sequence = 0;
    return Status::OK();
  }
  if (!status.ok()) {
    return Status::IOError("reading the applied-sequence marker: " + status.ToString());
  }
  if (value.size() != 8) {
    return Status::Corruption("applied-sequence marker holds " + std::to_string(value.size()) +
                              " bytes, not 8");
  }
  *sequence = coding::Get<uint64_t>(value.data());
  return Status::OK();
}

}  // namespace ringdb
