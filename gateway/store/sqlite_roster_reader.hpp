#pragma once
// Read queries on the roster-sync tables (roster_sync.hpp), for a reader connection.
#include <optional>
#include <string_view>
#include <vector>

#include "gateway/store/roster_sync.hpp"
#include "gateway/store/sqlite_handle.hpp"

namespace kq::store::sqlite {

class RosterQueries {
 public:
  explicit RosterQueries(Connection& db);

  std::optional<RosterSyncRun> running(std::string_view adapter, std::string_view registry,
                                       std::string_view file_sha256);
  std::optional<RosterSyncRun> run(std::string_view id);
  std::vector<RosterSyncRun> latest(std::string_view adapter, std::size_t limit);
  std::vector<RosterReject> rejects(std::string_view sync_id, std::size_t limit);
  std::optional<RosterEntry> entry(std::string_view registry, std::string_view student_key);
  std::optional<RosterEntry> entry_by_row(std::string_view registry, std::string_view row_hash);
  std::vector<RosterEntry> not_seen(std::string_view registry, std::string_view sync_id,
                                    std::string_view after_key, std::size_t limit);

 private:
  Statement running_, by_id_, latest_, rejects_, entry_, by_row_, not_seen_;
};

}  // namespace kq::store::sqlite
