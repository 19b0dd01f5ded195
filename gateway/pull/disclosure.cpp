#include "gateway/pull/disclosure.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "gateway/consent/page.hpp"
#include "gateway/core/json_text.hpp"

namespace kq::pull {

namespace {

boost::json::array strings(const auto& items) {
  boost::json::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

boost::json::object counts(const std::map<std::string, std::size_t>& tally) {
  boost::json::object out;
  for (const auto& [code, n] : tally) out[code] = n;
  return out;
}

}  // namespace

DisclosureBuilder::DisclosureBuilder(const consent::Request& request, std::string api, std::string query,
                                     std::string peer)
    : request_(request), api_(std::move(api)), query_(std::move(query)), peer_(std::move(peer)) {}

std::size_t DisclosureBuilder::offer(store::Reader& reader, std::span<const store::StoredRecord> rows,
                                     std::size_t room) {
  if (rows.empty() || records_.size() >= room) return 0;
  const consent::PageDecisions page = consent::decide_page(request_, reader, rows);
  std::size_t i = 0;
  while (i < rows.size() && records_.size() < room) {
    const consent::Decision& decision = page.decisions[i];
    const consent::RecordFacts& facts = page.records[i];
    const store::StoredRecord& row = rows[i];
    ++i;
    ++outcomes_[std::string(consent::reason_code(decision.reason))];
    // Outside the jurisdiction: not this requester's business, not even as a denial.
    if (decision.outcome == consent::Outcome::not_found) continue;
    PersonTally* person = facts.subject.empty() ? nullptr : &persons_[facts.subject];
    if (decision.permitted()) {
      records_.push_back(row);
      if (person != nullptr) {
        person->disclosed.push_back(row.id + "@" + std::to_string(row.version));
        if (decision.consent != nullptr) person->bases.insert("consent:" + decision.consent->id);
        if (decision.flow != nullptr) person->bases.insert("statutory:" + decision.flow->name);
      }
    } else {
      ++denied_;
      if (person != nullptr) {
        ++person->denied[std::string(consent::reason_code(decision.reason))];
        if (decision.consent != nullptr) person->denied_consents.insert(decision.consent->id);
      }
    }
  }
  decided_ += i;
  return i;
}

Disclosure DisclosureBuilder::finish() {
  Disclosure out;
  out.records = std::move(records_);
  out.denied = denied_;
  const std::string& actor = request_.requester.principal;
  const std::string& org = request_.requester.organisation;
  {
    boost::json::object detail;
    detail["api"] = api_;
    detail["purpose"] = request_.purpose;
    detail["query"] = query_;
    detail["decided"] = decided_;
    detail["returned"] = out.records.size();
    detail["decisions"] = counts(outcomes_);
    if (!peer_.empty()) detail["peer"] = peer_;
    out.audit.push_back(store::AuditEntry{0, std::string(store::audit_event::query), store::AuditAction::read,
                                          store::AuditOutcome::success, actor, org, core::json_text(detail)});
  }
  for (auto& [person_id, tally] : persons_) {
    boost::json::object detail;
    detail["api"] = api_;
    detail["purpose"] = request_.purpose;
    detail["person_id"] = person_id;
    if (!tally.disclosed.empty()) {
      detail["disclosed"] = strings(tally.disclosed);
      detail["bases"] = strings(tally.bases);
      // The legal basis itself, so the entry stands on its own when the flow's config changes.
      boost::json::array legal;
      for (const consent::StatutoryFlow& flow : request_.flows) {
        if (tally.bases.contains("statutory:" + flow.name)) legal.emplace_back(flow.legal_basis);
      }
      if (!legal.empty()) detail["legal_basis"] = std::move(legal);
    }
    if (!tally.denied.empty()) {
      detail["denied"] = counts(tally.denied);
      if (!tally.denied_consents.empty()) detail["denied_consents"] = strings(tally.denied_consents);
    }
    const bool disclosed = !tally.disclosed.empty();
    out.audit.push_back(store::AuditEntry{
        0, std::string(store::audit_event::export_data), store::AuditAction::read,
        disclosed ? store::AuditOutcome::success : store::AuditOutcome::minor_failure, actor, org,
        core::json_text(detail)});
  }
  persons_.clear();
  return out;
}

}  // namespace kq::pull
