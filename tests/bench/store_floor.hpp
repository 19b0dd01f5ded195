#pragma once
// The storage floor of ingest: how fast raw SQLite writes exactly the rows the gateway wrote.
//
// After an ingest run, the gateway's own database is replayed into a fresh file with the same
// schema and the store's pragmas (WAL, synchronous=FULL, foreign keys on): per transaction, the
// rows of 1000 messages (raw message, dedupe key, records, audit entries, and a proportional
// share of the persons and identifiers the run created), each table copied with one
// INSERT … SELECT. No parsing, mapping, identity look-ups, networking or per-row statements:
// only the B-tree work the schema asks for. Whatever the gateway does, it cannot ingest faster
// than this on this machine with this schema. (Reading the rows back, through indexes, is
// included: small next to writing them, it makes the floor if anything a little low.)
#include <cstddef>
#include <filesystem>
#include <vector>

namespace kq::bench {

struct FloorResult {
  std::size_t per_transaction = 0;
  std::size_t messages = 0;
  std::size_t records = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
  double cpu_us_per_message() const {
    return messages > 0 ? cpu_seconds * 1e6 / static_cast<double>(messages) : 0;
  }
};

struct FloorRun {
  std::filesystem::path fresh_file;  // must not exist
  std::size_t per_transaction = 1000;
};

// Replays `gateway_db` once per run, each into its own fresh file with that many messages per
// transaction. Dies on any SQL error.
std::vector<FloorResult> replay_store_rows(const std::filesystem::path& gateway_db,
                                           const std::vector<FloorRun>& runs);

}  // namespace kq::bench
