// FHIR R4 search and read (docs/pull-api.md, "FHIR R4"; the resources are gateway/fhir/). The same
// records, decided and audited the same way as the /api/v1 endpoints; the purpose comes in the
// X-Purpose-Of-Use header, since FHIR search parameters are parsed strictly.
#include <boost/json/parse.hpp>

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

std::string fhir_base(const ApiCall& call) {
  std::string host(call.request.header("host"));
  return "https://" + (host.empty() ? std::string("localhost") : host) + "/fhir";
}

// The request gate, worded as FHIR (the refusal is audited by open_pull).
std::variant<consent::Request, ApiResult> open_fhir(const ApiCall& call, std::string_view api) {
  auto opened = open_pull(call, api);
  if (auto* refused = std::get_if<ApiResult>(&opened)) {
    boost::system::error_code ec;
    const boost::json::value problem = boost::json::parse(refused->response.body, ec);
    const boost::json::value* detail = !ec && problem.is_object() ? problem.get_object().if_contains("detail") : nullptr;
    const std::string text = detail != nullptr && detail->is_string() ? std::string(detail->get_string()) : "forbidden";
    refused->response = fhir_json(403, fhir::operation_outcome("error", "forbidden", text)).response;
  }
  return opened;
}

// The query string without _cursor, for the self and next links.
std::string without_cursor(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t amp = query.find('&', start);
    const std::string_view part = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty() && !part.starts_with("_cursor=")) out += (out.empty() ? "" : "&") + std::string(part);
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

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
  const std::string self_query = without_cursor(call.request.query);
  // A page token belongs to this search, by this client, for this purpose.
  const std::string context = "fhir|" + type + "?" + self_query + "|" + call.principal.name + "|" + purpose_of(call);
  std::int64_t after = 0;
  if (search.cursor) {
    const auto seq = call.cursors.open(*search.cursor, context);
    if (!seq) return fhir_problem(400, "invalid", "_cursor is not a page token of this server");
    after = *seq;
  }
  auto opened = open_fhir(call, "fhir-search");
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
    const store::ConsentSubjectRows same = call.reader.consent_subjects({person});
    if (auto it = same.same_person.find(person); it != same.same_person.end()) query.person_ids = it->second;
    if (query.person_ids.empty()) query.person_ids.push_back(person);
  }
  std::function<bool(const store::StoredRecord&)> keep;
  if (type == "Patient" && search.identifier) {
    // The person the identifier names today, not the other persons merged with it.
    keep = [person](const store::StoredRecord& r) { return r.id == person; };
  }
  // The audit keeps what was asked, but an identifier only by its system.
  std::string asked = type;
  if (search.identifier) asked += " identifier system " + *search.identifier->system;
  if (search.patient_id) asked += " patient " + *search.patient_id;
  DisclosureBuilder builder(request, "fhir-search", asked);
  CurrentPage page;
  if (nothing) {
    page.disclosure = builder.finish();
  } else {
    page = read_current(builder, call.reader, query, static_cast<std::size_t>(search.count), keep);
  }
  fhir::SearchPage out;
  out.base_url = fhir_base(call);
  out.self_url = out.base_url + "/" + type + (self_query.empty() ? "" : "?" + self_query);
  if (page.more) {
    out.next_url = out.base_url + "/" + type + "?" + (self_query.empty() ? "" : self_query + "&") +
                   "_cursor=" + call.cursors.seal(page.next_after, context);
  }
  for (const store::StoredRecord& record : page.disclosure.records) {
    fhir::ToFhirResult resource = fhir::to_fhir(record);
    if (resource.resource) out.resources.push_back(std::move(*resource.resource));
  }
  ApiResult result = fhir_json(200, fhir::searchset_bundle(std::move(out)));
  audit_disclosure(result, page.disclosure, call.request.peer);
  return result;
}

ApiResult fhir_read(const ApiCall& call, const std::string& type, const std::string& id) {
  if (kinds_of_resource(type).empty()) return fhir_problem(404, "not-found", "resource type '" + type + "' is not served");
  auto opened = open_fhir(call, "fhir-read");
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
  audit_disclosure(out, disclosure, call.request.peer);
  return out;
}

}  // namespace kq::pull
