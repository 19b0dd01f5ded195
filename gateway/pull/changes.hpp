#pragma once
// The changes feed: every record version written after a position in the store's change
// sequence, in order, that the requester may receive. Denied records are dropped before the page
// is filled, so a page holds `limit` permitted records whenever that many exist, and its cursor
// says nothing about what was skipped (cursor.hpp).
//
// Nothing is skipped while writes go on: the single writer assigns sequence numbers in commit
// order and a reader sees a whole transaction or none of it, so a later page can only find
// higher numbers than every row an earlier page scanned.
#include <cstddef>
#include <cstdint>
#include <functional>

#include "gateway/pull/disclosure.hpp"

namespace kq::pull {

struct ChangesPage {
  Disclosure disclosure;
  std::int64_t next_after = 0;  // where the next page starts (seal it before giving it out)
  bool more = false;            // false: the feed was read to its end
};

struct ChangesLimits {
  std::size_t chunk = 1000;       // rows read and decided at a time
  std::size_t scan_budget = 100'000;  // rows one page may go through before it returns short
};

ChangesPage read_changes(DisclosureBuilder& builder, store::Reader& reader, std::int64_t after,
                         std::size_t limit, const ChangesLimits& limits = {});

using Keep = std::function<bool(const store::StoredRecord&)>;

// The latest versions that `query` selects (query.kinds, person_ids, written range), paged the same
// way from query.after_seq, with the same scan budget. `keep` (optional) drops rows before they are
// decided (a filter the store cannot apply, such as data categories), so they are neither counted
// nor audited.
ChangesPage read_current(DisclosureBuilder& builder, store::Reader& reader, store::RecordQuery query,
                         std::size_t limit, const Keep& keep = {}, const ChangesLimits& limits = {});

}  // namespace kq::pull
