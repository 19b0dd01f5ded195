#pragma once
// What one answer of the pull API discloses: the records consent permits, decided before they are
// counted or paged, and the audit entries that prove it — one per person the answer concerns
// (the records disclosed and the consent or legal basis of each, or the denials with their
// reasons and the consents that came nearest), and one for the request itself. The entries are
// committed before the answer is sent: if they cannot be written, nothing is disclosed.
#include <cstddef>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gateway/consent/policy.hpp"
#include "gateway/store/store.hpp"

namespace kq::pull {

struct Disclosure {
  std::vector<store::StoredRecord> records;  // permitted, in the order they were offered
  std::vector<store::AuditEntry> audit;
  std::size_t denied = 0;  // records consent denied (not those outside the jurisdiction)
};

class DisclosureBuilder {
 public:
  // `api` names the endpoint in the audit entries ("changes", "person-records", "fhir-search", …);
  // `query` is what the caller asked, without personal data (the audit keeps it as given);
  // `peer` where the request came from (empty for the gateway's own work).
  DisclosureBuilder(const consent::Request& request, std::string api, std::string query, std::string peer = {});

  // Decides `rows` in order and keeps the permitted ones until `room` of them are kept. Returns
  // how many rows it went through: all of them, or up to and including the one that filled the
  // room. Only those rows count as decided (and are audited).
  std::size_t offer(store::Reader& reader, std::span<const store::StoredRecord> rows, std::size_t room);

  std::size_t kept() const { return records_.size(); }
  std::size_t decided() const { return decided_; }

  // The records and the audit entries, ready to commit; the builder is spent.
  Disclosure finish();

 private:
  struct PersonTally {
    std::vector<std::string> disclosed;  // "id@version"
    std::set<std::string> bases;         // "consent:<id>" | "statutory:<flow>"
    std::map<std::string, std::size_t> denied;  // reason code → records
    std::set<std::string> denied_consents;      // consents that refused or came nearest
  };

  const consent::Request& request_;
  std::string api_;
  std::string query_;
  std::string peer_;
  std::vector<store::StoredRecord> records_;
  std::map<std::string, PersonTally> persons_;
  std::map<std::string, std::size_t> outcomes_;  // reason code → records, for the request entry
  std::size_t decided_ = 0;
  std::size_t denied_ = 0;
};

}  // namespace kq::pull
