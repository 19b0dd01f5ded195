#include "gateway/store/sqlite_sequences.hpp"

namespace kq::store::sqlite {

SequenceNumbers::SequenceNumbers(Connection& db)
    : highest_(db.prepare("SELECT max(number) FROM sequence_number WHERE scope = ?1 AND stream = ?2")),
      first_holder_(db.prepare("SELECT message_id FROM sequence_number WHERE scope = ?1 AND stream = ?2 "
                               "AND number = ?3 ORDER BY id LIMIT 1")),
      insert_(db.prepare("INSERT INTO sequence_number (scope, stream, number, message_id, previous, gap_first, "
                         "gap_last, replay_of, received_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")),
      by_message_(db.prepare("SELECT stream, number, previous, gap_first, gap_last, replay_of FROM sequence_number "
                             "WHERE message_id = ?1 ORDER BY id")) {}

SequenceFinding SequenceNumbers::record(const SequenceNumber& n, std::string_view message_id, std::int64_t now_ms) {
  SequenceFinding found;
  found.stream = n.stream;
  found.number = n.number;
  {
    Query q = highest_.query();
    q.bind(1, n.scope).bind(2, n.stream);
    if (q.next() && !q.is_null(0)) found.previous = q.int64(0);
  }
  found.first = found.previous == 0;
  {
    Query q = first_holder_.query();
    q.bind(1, n.scope).bind(2, n.stream).bind(3, n.number);
    if (q.next()) found.replay_of = q.text(0);
  }
  if (found.replay_of.empty()) {
    if (n.number < found.previous) {
      found.late = true;
    } else if (!found.first && n.number > found.previous + 1) {
      // The first number of a stream opens no gap: the sender may have worked before the gateway.
      found.gap_first = found.previous + 1;
      found.gap_last = n.number - 1;
    }
  }
  insert_.query()
      .bind(1, n.scope)
      .bind(2, n.stream)
      .bind(3, n.number)
      .bind(4, message_id)
      .bind(5, found.previous)
      .bind(6, found.gap_first)
      .bind(7, found.gap_last)
      .bind_or_null(8, found.replay_of)
      .bind(9, now_ms)
      .run();
  return found;
}

std::vector<SequenceFinding> SequenceNumbers::of_message(std::string_view message_id) {
  std::vector<SequenceFinding> out;
  Query q = by_message_.query();
  q.bind(1, message_id);
  while (q.next()) {
    SequenceFinding f;
    f.stream = q.text(0);
    f.number = q.int64(1);
    f.previous = q.int64(2);
    f.gap_first = q.int64(3);
    f.gap_last = q.int64(4);
    if (!q.is_null(5)) f.replay_of = q.text(5);
    f.first = f.previous == 0;
    f.late = f.replay_of.empty() && f.number < f.previous;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace kq::store::sqlite
