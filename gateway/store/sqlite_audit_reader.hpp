#pragma once
// The read side of the audit log: its entries, checkpoints and extent, for `kangqiao audit
// verify` and `kangqiao audit export` (through Reader, store.hpp). Statements are prepared on
// first use, on the reader's own read-only connection.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "gateway/audit/chain.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/store/sqlite_handle.hpp"

namespace kq::store::sqlite {

class AuditQueries {
 public:
  explicit AuditQueries(Connection& db) : db_(db) {}

  std::vector<audit::StoredEntry> entries(std::int64_t after_seq, std::size_t limit);
  std::vector<audit::Checkpoint> checkpoints();
  audit::LogExtent extent();
  std::optional<std::int64_t> seq_of_hash(std::string_view hash);

 private:
  Statement& statement(Statement& s, std::string_view sql);

  Connection& db_;
  Statement entries_, checkpoints_, extent_, seq_of_hash_;
};

}  // namespace kq::store::sqlite
