#pragma once
// The one place that appends to audit_log. Every audit row of a write transaction goes through
// it, on the writer thread, inside the transaction of the action it records: so an action and its
// audit entry commit together or not at all, and the hash chain has one writer to extend.
#include <cstdint>
#include <string_view>

#include "gateway/store/sqlite_handle.hpp"
#include "gateway/store/write_batch.hpp"

namespace kq::store::sqlite {

class AuditWriter {
 public:
  explicit AuditWriter(Connection& db);

  // `message_id`: the raw message the entry is about (may be empty).
  void append(const AuditEntry& entry, std::string_view message_id, std::int64_t now_ms);

 private:
  Statement insert_;
};

// The gateway itself as the actor of what the store decides on its own (merges, conflicts).
inline constexpr std::string_view kGatewayActor = "kangqiao";

}  // namespace kq::store::sqlite
