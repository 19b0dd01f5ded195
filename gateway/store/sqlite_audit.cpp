#include "gateway/store/sqlite_audit.hpp"

namespace kq::store::sqlite {

AuditWriter::AuditWriter(Connection& db)
    : insert_(db.prepare(
          "INSERT INTO audit_log (at_ms, event_type, action, outcome, actor, org_id, detail, "
          "message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")) {}

void AuditWriter::append(const AuditEntry& a, std::string_view message_id, std::int64_t now_ms) {
  const char action = static_cast<char>(a.action);
  insert_.query()
      .bind(1, a.at_ms != 0 ? a.at_ms : now_ms)
      .bind(2, a.event_type)
      .bind(3, std::string_view(&action, 1))
      .bind(4, static_cast<std::int64_t>(a.outcome))
      .bind_or_null(5, a.actor)
      .bind_or_null(6, a.org_id)
      .bind(7, a.detail_json.empty() ? std::string_view("{}") : std::string_view(a.detail_json))
      .bind_or_null(8, message_id)
      .run();
}

}  // namespace kq::store::sqlite
