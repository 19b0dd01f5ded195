// FHIR R4 search and read (docs/pull-api.md, "FHIR R4"; the resources are gateway/fhir/). The same
// records, decided and audited the same way as the /api/v1 endpoints; the purpose comes in the
// X-Purpose-Of-Use header, since FHIR search parameters are parsed strictly.

#include "gateway/core/json_text.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/fhir/bundle.hpp"
#include "gateway/fhir/capability.hpp"
#include "gateway/fhir/resources.hpp"
#include "gateway/fhir/search.hpp"
#include "gateway/pull/api_call.hpp"
#include "gateway/pull/changes.hpp"
#include "gateway/pull/fhir_types.hpp"
#include "gateway/version.hpp"

namespace kq::pull {

namespace {

ApiResult fhir_json(int status, const boost::json::object& resource) {
  return reply(http::Response{status, "application/fhir+json", core::json_text(resource), {}});
}

std::string fhir_base(const ApiCall& call) { return base_url(call) + "/fhir"; }

}  // namespace

ApiResult fhir_metadata(const ApiCall& call) {
  return fhir_json(200, fhir::capability_statement(fhir_base(call), kq::kVersion));
}

ApiResult fhir_search(const ApiCall& call, const std::string& type) {
  const fhir::SearchParse parsed = fhir::parse_search(type, call.request.query);
  if (parsed.error) {
    return fhir_json(parsed.error->issue_code == "not-found" ? 404 : 400, fhir::operation_outcome(*parsed.error));
  }
  const fhir::SearchRequest& search = *parsed.request;
  // The search as the server understood it, in one canonical form: the self link, the base of
  // the next one, and (with the client and purpose) what a page token belongs to.
  const std::string self_url = fhir::search_url(fhir_base(call), search, std::nullopt);
  const std::string context = self_url + "|" + call.principal.name + "|" + purpose_of(call);
  std::int64_t after = 0;
  if (search.cursor) {
    const auto seq = call.cursors.open(*search.cursor, context);
    if (!seq) return fhir_problem(400, "invalid", "_cursor is not a page token of this server");
    after = *seq;
  }
  auto opened = open_pull(call, "fhir-search");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const consent::Request& request = std::get<consent::Request>(opened);

  store::RecordQuery query;
  for (std::string_view kind : kinds_of_resource(type)) query.kinds.emplace_back(kind);
  query.after_seq = after;
  if (search.updated_from_ms) query.written_from_ms = *search.updated_from_ms;
  if (search.updated_until_ms) query.written_until_ms = *search.updated_until_ms;
  bool nothing = search.updated_from_ms && search.updated_until_ms && *search.updated_from_ms >= *search.updated_until_ms;
  std::string person;
  if (search.identifier) {
    if (!search.identifier->system || search.identifier->system->empty()) {
      return fhir_problem(400, "not-supported", "identifier needs its system: identifier=<system>|<value>");
    }
    if (auto found = call.reader.person_by_identifier(*search.identifier->system, search.identifier->value)) {
      person = *found;
    } else {
      nothing = true;
    }
  }
  if (search.patient_id) person = *search.patient_id;
  if (!person.empty()) {
    query.person_ids = same_persons(call.reader, person);
  }
  Keep keep;
  if (type == "Patient" && search.identifier) {
    // The person the identifier names today, not the other persons merged with it.
    keep = [person](const store::StoredRecord& r) { return r.id == person; };
  }
  // The audit keeps what was asked, but an identifier only by its system.
  std::string asked = type;
  if (search.identifier) asked += " identifier system " + *search.identifier->system;
  if (search.patient_id) asked += " patient " + *search.patient_id;
  DisclosureBuilder builder(request, "fhir-search", asked, call.request.peer);
  ChangesPage page;
  if (nothing) {
    page.disclosure = builder.finish();
  } else {
    page = read_current(builder, call.reader, query, static_cast<std::size_t>(search.count), keep);
  }
  fhir::SearchPage out;
  out.base_url = fhir_base(call);
  out.self_url = self_url;
  if (page.more) out.next_url = fhir::search_url(out.base_url, search, call.cursors.seal(page.next_after, context));
  for (const store::StoredRecord& record : page.disclosure.records) {
    fhir::ToFhirResult resource = fhir::to_fhir(record);
    if (resource.resource) out.resources.push_back(std::move(*resource.resource));
  }
  ApiResult result = fhir_json(200, fhir::searchset_bundle(std::move(out)));
  audit_disclosure(result, page.disclosure);
  return result;
}

ApiResult fhir_read(const ApiCall& call, const std::string& type, const std::string& id) {
  if (kinds_of_resource(type).empty()) return fhir_problem(404, "not-found", "resource type '" + type + "' is not served");
  auto opened = open_pull(call, "fhir-read");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const consent::Request& request = std::get<consent::Request>(opened);
  std::optional<store::StoredRecord> row = call.reader.record(id);
  if (row) {
    // A record of another type under this id does not exist as this type.
    const auto kind = core::parse_kind(row->kind);
    const auto served = kind ? fhir::resource_type_of(*kind) : std::nullopt;
    if (!served || *served != type) row.reset();
  }
  SingleRecord single = decide_single(call, request, "fhir-read", std::move(row), type + "/" + id);
  ApiResult out;
  if (single.verdict == SingleVerdict::disclosed) {
    fhir::ToFhirResult resource = fhir::to_fhir(single.disclosure.records.front());
    out = resource.resource ? fhir_json(200, *resource.resource)
                            : fhir_problem(500, "exception", resource.problem.value_or("the record has no FHIR form"));
  } else if (single.verdict == SingleVerdict::not_found) {
    out = fhir_problem(404, "not-found", type + "/" + id + " is not known");
  } else {
    out = fhir_problem(403, "forbidden", "no consent or legal basis permits this disclosure for purpose " + request.purpose);
  }
  Disclosure& disclosure = single.disclosure;
  audit_disclosure(out, disclosure);
  return out;
}

}  // namespace kq::pull
