#pragma once
// The writer's handling of person merges (person_link) and of reprocessed raw messages (dead-letter
// history). Kept apart from BatchWriter so the group-commit path stays small; BatchWriter calls
// into it from inside the group's transaction, on the writer thread only.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gateway/store/prepared_batch.hpp"
#include "gateway/store/sqlite_audit.hpp"
#include "gateway/store/sqlite_dedupe.hpp"
#include "gateway/store/sqlite_handle.hpp"

namespace kq::store::sqlite {

// The batch contradicts what the store holds (a person merged into itself, …): the batch fails
// alone, and WriteResult::content_error tells the caller that sending it again cannot help.
class BatchContentError : public std::runtime_error {
 public:
  explicit BatchContentError(core::FieldError error)
      : std::runtime_error(error.path.empty() ? error.message : error.path + ": " + error.message),
        error_(std::move(error)) {}
  const core::FieldError& error() const { return error_; }

 private:
  core::FieldError error_;
};

class LinkWriter {
 public:
  LinkWriter(Connection& db, AuditWriter& audit, DedupeKeys& dedupe);

  // The person an identifier names today: the person it was first attached to, followed along
  // person_link to the surviving person.
  std::string surviving_person(std::string person_id);

  // Applies batch.merges after the batch's person refs were resolved (result.persons).
  void apply_merges(const WriteBatch& batch, std::string_view message_id, std::int64_t now_ms,
                    WriteResult& result);

  // For a reprocess batch: checks the message exists and settles its dedupe key. Returns false
  // when another message already holds the key (the message was superseded by a resend): the
  // result is then `duplicate` and the dead letters are marked resolved as superseded.
  bool begin_reprocess(const WriteBatch& batch, std::int64_t now_ms, WriteResult& result);
  // Marks the message's open dead letters resolved (or records the failed attempt).
  void finish_reprocess(const Reprocess& r, std::int64_t now_ms);

 private:
  void resolve_dead_letters(const std::string& message_id, const std::string& resolved_by,
                            std::int64_t now_ms);
  void audit(std::string_view event, std::string detail, std::string_view message_id, std::int64_t now_ms);

  Statement find_identifier_, find_link_, insert_link_, insert_identifier_;
  Statement message_hash_;
  Statement resolve_dead_letters_, record_attempt_, mark_accepted_;
  AuditWriter& audit_;
  DedupeKeys& dedupe_;
};

}  // namespace kq::store::sqlite
