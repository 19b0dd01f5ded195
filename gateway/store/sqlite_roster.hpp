#pragma once
// The roster-sync tables (roster_sync.hpp) on the writer connection: what one chunk of a run, or
// its final step, writes inside the transaction that holds the chunk's records.
#include <cstdint>

#include "gateway/store/roster_sync.hpp"
#include "gateway/store/sqlite_handle.hpp"

namespace kq::store::sqlite {

class RosterWriter {
 public:
  explicit RosterWriter(Connection& db);

  // Inserts the run if this is its first write, then adds the chunk: its counts, rejected rows,
  // snapshot rows and seen marks; the final step writes the departures and finishes the run.
  void apply(const RosterSyncWrite& w, std::int64_t now_ms);

 private:
  Statement insert_run_, chunks_done_, advance_run_, finish_run_, insert_reject_, upsert_entry_, mark_seen_, set_status_;
};

}  // namespace kq::store::sqlite
