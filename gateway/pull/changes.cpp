#include "gateway/pull/changes.hpp"

#include <algorithm>
#include <span>

namespace kq::pull {

ChangesPage read_changes(DisclosureBuilder& builder, store::Reader& reader, std::int64_t after,
                         std::size_t limit, const ChangesLimits& limits) {
  ChangesPage page;
  std::int64_t position = after;
  std::size_t scanned = 0;
  bool more = true;
  while (builder.kept() < limit) {
    if (scanned >= limits.scan_budget) break;  // a long run of denied rows: come back for the rest
    const std::size_t want = std::max<std::size_t>(limits.chunk, limit - builder.kept());
    const std::vector<store::StoredRecord> rows = reader.changes_since(position, want);
    if (rows.empty()) {
      more = false;
      break;
    }
    const std::size_t used = builder.offer(reader, std::span(rows), limit);
    scanned += used;
    position = rows[used - 1].seq;
    if (used == rows.size() && rows.size() < want) {
      more = false;  // the feed's end, unless a page was filled by its very last row
      break;
    }
  }
  page.more = more;
  page.next_after = position;
  page.disclosure = builder.finish();
  return page;
}

CurrentPage read_current(DisclosureBuilder& builder, store::Reader& reader, store::RecordQuery query,
                         std::size_t limit, const std::function<bool(const store::StoredRecord&)>& keep,
                         std::size_t scan_budget) {
  CurrentPage page;
  query.limit = std::max<std::size_t>(limit, 256);
  std::int64_t position = query.after_seq;
  bool more = true;
  std::size_t scanned = 0;
  while (builder.kept() < limit && scanned < scan_budget) {
    query.after_seq = position;
    std::vector<store::StoredRecord> rows = reader.current_records(query);
    if (rows.empty()) {
      more = false;
      break;
    }
    const bool last_chunk = rows.size() < query.limit;
    const std::int64_t chunk_end = rows.back().seq;
    scanned += rows.size();
    if (keep) std::erase_if(rows, [&](const store::StoredRecord& r) { return !keep(r); });
    const std::size_t used = builder.offer(reader, std::span(rows), limit);
    position = used < rows.size() ? rows[used - 1].seq : chunk_end;
    if (used == rows.size() && last_chunk) {
      more = false;
      break;
    }
  }
  page.more = more;
  page.next_after = position;
  page.disclosure = builder.finish();
  return page;
}

}  // namespace kq::pull
