#include "gateway/consent/page.hpp"

#include <set>

#include "gateway/consent/record_facts.hpp"
#include "gateway/consent/subjects.hpp"

namespace kq::consent {

PageDecisions decide_page(const Request& request, store::Reader& reader,
                          std::span<const store::StoredRecord> rows) {
  PageDecisions page;
  page.records.reserve(rows.size());
  OrgDirectory orgs(reader);
  std::set<std::string> subjects;
  for (const store::StoredRecord& row : rows) {
    page.records.push_back(record_facts(row, orgs));
    const RecordFacts& facts = page.records.back();
    // Only records that get as far as consent need their subject read.
    if (!facts.subject.empty() && facts.readable && request.requester.jurisdiction.covers(facts.places)) {
      subjects.insert(facts.subject);
    }
  }
  if (!subjects.empty()) {
    const store::ConsentSubjectRows found =
        reader.consent_subjects(std::vector<std::string>(subjects.begin(), subjects.end()));
    page.subjects = subject_table(found, request.guardian_age);
  }
  page.decisions.reserve(rows.size());
  for (const RecordFacts& facts : page.records) page.decisions.push_back(decide(request, facts, page.subjects));
  return page;
}

}  // namespace kq::consent
