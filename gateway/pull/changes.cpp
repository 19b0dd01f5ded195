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

}  // namespace kq::pull
