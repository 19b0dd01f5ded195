#pragma once
// Deciding a page of stored records for one pull, as the pull API does before it pages: denied
// and not-found records are dropped before counting, so neither page sizes nor cursors reveal
// them (HAPI FHIR's canSeeResource semantics).
//
// Reads afresh on every call — the subjects' person records and current consents in one store
// snapshot, and the organisations' places — so a consent withdrawn between two pages applies
// from the next page on. Nothing "allowed" is ever cached across calls.
#include <span>
#include <vector>

#include "gateway/consent/decide.hpp"
#include "gateway/consent/facts.hpp"
#include "gateway/consent/policy.hpp"
#include "gateway/store/store.hpp"

namespace kq::consent {

struct PageDecisions {
  PageDecisions() = default;
  PageDecisions(PageDecisions&&) = default;
  PageDecisions& operator=(PageDecisions&&) = default;
  // Copying would leave the decisions pointing into the original's subjects.
  PageDecisions(const PageDecisions&) = delete;
  PageDecisions& operator=(const PageDecisions&) = delete;

  SubjectTable subjects;            // what Decision::consent points into
  std::vector<RecordFacts> records;  // one per row, in order
  std::vector<Decision> decisions;   // one per row, in order
};

// `request` must outlive the result (Decision::flow points into it).
PageDecisions decide_page(const Request& request, store::Reader& reader,
                          std::span<const store::StoredRecord> rows);

}  // namespace kq::consent
