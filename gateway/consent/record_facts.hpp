#pragma once
// What a decision needs to know about a stored record: its categories, its subject, the day it
// describes and where it belongs (for the jurisdiction).
//
// Where a record belongs: the organisation that holds it (org_id) and the administrative
// divisions that organisation lies in. An organisation lies where its Organization record's
// admin_code says, else where its parent's (part_of) does, else — only when no record in the
// chain says — where the division code inside its unified social credit code points (GB 32100
// characters 3–8, the registering authority's division). A person, who has no org_id, belongs to
// the organisations that assigned its identifiers (a hospital's MRN) and to the divisions of its
// addresses and of those organisations.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/consent/facts.hpp"
#include "gateway/store/store.hpp"

namespace kq::consent {

// The divisions organisations lie in, read from their Organization records and remembered for
// the life of the directory (one page or one request: organisations rarely move, but a directory
// kept for ever would never see it).
class OrgDirectory {
 public:
  explicit OrgDirectory(store::Reader& reader) : reader_(&reader) {}
  // GB/T 2260 codes, most specific first; empty when nothing says.
  const std::vector<std::string>& regions_of(const std::string& org_id);

 private:
  std::vector<std::string> look_up(const std::string& org_id);
  store::Reader* reader_;
  std::map<std::string, std::vector<std::string>, std::less<>> known_;
};

// The facts of a stored record; reads its body only where the rules need it.
RecordFacts record_facts(const store::StoredRecord& row, OrgDirectory& orgs);

// A stored record's data categories: the writer's when they are current, else read from the
// body; nothing when the kind or the body cannot be read.
std::optional<core::CategorySet> categories_of_row(const store::StoredRecord& row);

// The same for a record whose body is already parsed (`body` may be null when it is not).
RecordFacts record_facts(core::RecordKind kind, const boost::json::object* body, const std::string& person_id,
                         const std::string& org_id, OrgDirectory& orgs);

}  // namespace kq::consent
