#include "gateway/store/sqlite_audit.hpp"

#include <chrono>

#include "gateway/audit/checkpoint_export.hpp"
#include "gateway/log/log.hpp"

namespace kq::store::sqlite {

namespace {

std::optional<std::string_view> null_if_empty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

AuditWriter::AuditWriter(Connection& db, audit::ChainSettings settings)
    : settings_(std::move(settings)),
      format_(settings_.chained ? std::string(audit::chain_format(settings_.hash)) : std::string()),
      hasher_(settings_.hash),
      insert_(db.prepare(
          "INSERT INTO audit_log (seq, at_ms, event_type, action, outcome, actor, org_id, detail, "
          "message_id, prev_hash, entry_hash, chain_format) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")),
      last_entry_(db.prepare("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")),
      // AUTOINCREMENT's counters: the highest seq / id ever used, even if the row is gone.
      counters_(db.prepare(
          "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), "
          "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_checkpoint'), 0)")),
      last_checkpoint_(db.prepare(
          "SELECT id, seq, entry_count, at_ms FROM audit_checkpoint ORDER BY id DESC LIMIT 1")),
      digests_(db.prepare(
          "SELECT substr(entry_hash, 1, ?3) FROM audit_log WHERE seq > ?1 AND seq <= ?2 "
          "AND entry_hash IS NOT NULL ORDER BY seq")),
      insert_checkpoint_(db.prepare(
          "INSERT INTO audit_checkpoint (id, seq, entry_count, at_ms, head_hash, entry_digests, "
          "signature_algorithm, key_fingerprint, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")),
      opened_at_ms_(wall_clock_ms()) {
  load_head();  // the state at open, for checkpoint_due() before the first transaction
  committed_ = head_;
}

void AuditWriter::load_head() {
  Head h;
  std::int64_t highest_seq = 0;
  {
    Query q = counters_.query();
    if (q.next()) {
      highest_seq = q.int64(0);
      h.next_checkpoint_id = q.int64(1) + 1;
    }
  }
  {
    Query q = last_entry_.query();
    if (q.next()) {
      h.last_seq = q.int64(0);
      if (auto hash = audit::hash_from_bytes(q.text(1))) {
        h.hash = *hash;
        h.hashed = true;
      }
    }
  }
  {
    Query q = last_checkpoint_.query();
    if (q.next()) {
      h.checkpoint_id = q.int64(0);
      h.checkpoint_seq = q.int64(1);
      h.checkpoint_count = q.int64(2);
      h.checkpoint_at_ms = q.int64(3);
      h.next_checkpoint_id = std::max(h.next_checkpoint_id, h.checkpoint_id + 1);
    }
  }
  if (highest_seq > h.last_seq && highest_seq != warned_missing_tail_) {
    // Entries at the end were deleted by hand. The next entry takes the next unused seq, so the
    // gap stays visible to `kangqiao audit verify` instead of being filled by new entries.
    warned_missing_tail_ = highest_seq;
    log::error("audit_log_tail_missing", {{"last_seq", h.last_seq}, {"highest_seq_assigned", highest_seq}});
  }
  h.next_seq = std::max(highest_seq, h.last_seq) + 1;
  h.loaded = true;
  head_ = h;
}

void AuditWriter::transaction_started() {
  head_.loaded = false;
  written_.reset();
}

void AuditWriter::transaction_committed() {
  if (head_.loaded) committed_ = head_;
  if (!written_) return;
  audit::log_checkpoint(*written_);
  if (!settings_.checkpoint_file.empty()) {
    try {
      audit::append_checkpoint_file(settings_.checkpoint_file, *written_);
    } catch (const std::exception& e) {
      // The checkpoint is committed and in the log; the file copy misses it, and the next one
      // covers it anyway.
      log::error("audit_checkpoint_export_failed", {{"file", settings_.checkpoint_file.string()}, {"error", e.what()}});
    }
  }
  written_.reset();
}

void AuditWriter::append(const AuditEntry& a, std::string_view message_id, std::int64_t now_ms) {
  if (!head_.loaded) load_head();
  const char action = static_cast<char>(a.action);
  audit::EntryFields f;
  f.chain_format = format_;
  f.seq = head_.next_seq;
  f.at_ms = a.at_ms != 0 ? a.at_ms : now_ms;
  f.event_type = a.event_type;
  f.action = std::string_view(&action, 1);
  f.outcome = static_cast<std::int64_t>(a.outcome);
  f.actor = null_if_empty(a.actor);
  f.org_id = null_if_empty(a.org_id);
  f.detail = a.detail_json.empty() ? std::string_view("{}") : std::string_view(a.detail_json);
  f.message_id = null_if_empty(message_id);
  const audit::Hash prev = head_.hashed ? head_.hash : audit::kGenesisHash;
  audit::Hash hash{};
  if (settings_.chained) hash = hasher_.entry_hash(prev, f, scratch_);

  Query q = insert_.query();
  q.bind(1, f.seq)
      .bind(2, f.at_ms)
      .bind(3, f.event_type)
      .bind(4, f.action)
      .bind(5, f.outcome)
      .bind_or_null(6, a.actor)
      .bind_or_null(7, a.org_id)
      .bind(8, f.detail)
      .bind_or_null(9, message_id);
  if (settings_.chained) {
    q.bind_blob(10, audit::as_bytes(prev)).bind_blob(11, audit::as_bytes(hash)).bind(12, format_);
  } else {
    q.bind_null(10).bind_null(11).bind_null(12);
  }
  q.run();
  // Only after the row is in: a failed INSERT leaves the head where it was.
  head_.last_seq = f.seq;
  head_.next_seq = f.seq + 1;
  head_.hash = hash;
  head_.hashed = settings_.chained;
}

bool AuditWriter::due(const Head& h, std::int64_t now_ms) const {
  if (!settings_.signing_key || !settings_.chained || !h.hashed || h.last_seq <= h.checkpoint_seq) return false;
  const std::int64_t since = h.checkpoint_id != 0 ? h.checkpoint_at_ms : opened_at_ms_;
  return h.last_seq - h.checkpoint_seq >= settings_.checkpoint_every_entries ||
         now_ms - since >= settings_.checkpoint_every.count();
}

bool AuditWriter::checkpoint_due(std::int64_t now_ms) const { return due(committed_, now_ms); }

void AuditWriter::checkpoint_if_due(std::int64_t now_ms) {
  if (!settings_.signing_key || !settings_.chained) return;
  if (!head_.loaded) load_head();
  if (due(head_, now_ms)) write_checkpoint(now_ms);
}

void AuditWriter::write_checkpoint(std::int64_t now_ms) {
  audit::Checkpoint c;
  c.id = head_.next_checkpoint_id;
  c.seq = head_.last_seq;
  c.at_ms = now_ms;
  c.head_hash = std::string(audit::as_bytes(head_.hash));
  std::int64_t entries = 0;
  {
    Query q = digests_.query();
    q.bind(1, head_.checkpoint_seq).bind(2, head_.last_seq).bind(3, static_cast<std::int64_t>(audit::kEntryDigestSize));
    while (q.next()) {
      c.entry_digests += q.text(0);
      ++entries;
    }
  }
  c.count = head_.checkpoint_count + entries;
  settings_.signing_key->sign(c);
  insert_checkpoint_.query()
      .bind(1, c.id)
      .bind(2, c.seq)
      .bind(3, c.count)
      .bind(4, c.at_ms)
      .bind_blob(5, c.head_hash)
      .bind_blob(6, c.entry_digests)
      .bind(7, c.signature_algorithm)
      .bind_blob(8, c.key_fingerprint)
      .bind_blob(9, c.signature)
      .run();
  head_.checkpoint_id = c.id;
  head_.next_checkpoint_id = c.id + 1;
  head_.checkpoint_seq = c.seq;
  head_.checkpoint_count = c.count;
  head_.checkpoint_at_ms = c.at_ms;
  c.entry_digests.clear();  // the export carries its digest only
  written_ = std::move(c);
}

}  // namespace kq::store::sqlite
