#include "gateway/pull/changes.hpp"

#include <algorithm>
#include <span>

namespace kq::pull {

namespace {

using Fetch = std::function<std::vector<store::StoredRecord>(std::int64_t after, std::size_t count)>;

// The paging both feeds share: rows from `fetch` in seq order, filtered by `keep`, decided by the
// builder until `limit` are kept or `scan_budget` rows were read. Fills the page's position and
// `more`; the caller finishes the builder.
void page_rows(ChangesPage& page, DisclosureBuilder& builder, store::Reader& reader, std::int64_t after,
               std::size_t limit, const ChangesLimits& limits, const Fetch& fetch, const Keep& keep) {
  std::int64_t position = after;
  std::size_t scanned = 0;
  bool more = true;
  // A long run of denied rows stops at the budget: the caller comes back for the rest.
  while (builder.kept() < limit && scanned < limits.scan_budget) {
    const std::size_t want = std::max<std::size_t>(limits.chunk, limit - builder.kept());
    std::vector<store::StoredRecord> rows = fetch(position, want);
    if (rows.empty()) {
      more = false;
      break;
    }
    const bool last_chunk = rows.size() < want;
    const std::int64_t chunk_end = rows.back().seq;
    scanned += rows.size();
    if (keep) std::erase_if(rows, [&](const store::StoredRecord& r) { return !keep(r); });
    const std::size_t used = builder.offer(reader, std::span(rows), limit);
    // Where the page stopped: after the row that filled it, else after the whole chunk.
    position = used < rows.size() ? rows[used - 1].seq : chunk_end;
    if (used == rows.size() && last_chunk) {
      more = false;  // the end, unless the page was filled by its very last row
      break;
    }
  }
  page.more = more;
  page.next_after = position;
}

}  // namespace

ChangesPage read_changes(DisclosureBuilder& builder, store::Reader& reader, std::int64_t after,
                         std::size_t limit, const ChangesLimits& limits) {
  ChangesPage page;
  page_rows(page, builder, reader, after, limit, limits,
            [&](std::int64_t from, std::size_t count) { return reader.changes_since(from, count); }, {});
  page.disclosure = builder.finish();
  return page;
}

ChangesPage read_current(DisclosureBuilder& builder, store::Reader& reader, store::RecordQuery query,
                         std::size_t limit, const Keep& keep, const ChangesLimits& limits) {
  ChangesPage page;
  page_rows(page, builder, reader, query.after_seq, limit, limits,
            [&](std::int64_t from, std::size_t count) {
              query.after_seq = from;
              query.limit = count;
              return reader.current_records(query);
            },
            keep);
  page.disclosure = builder.finish();
  return page;
}

}  // namespace kq::pull
