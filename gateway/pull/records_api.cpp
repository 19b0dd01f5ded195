// The pull API's record endpoints: the changes feed and the look-ups (docs/pull-api.md).
#include <algorithm>
#include <span>

#include <boost/json/parse.hpp>

#include "gateway/consent/page.hpp"
#include "gateway/consent/record_facts.hpp"
#include "gateway/core/data_category.hpp"
#include "gateway/core/json_text.hpp"
#include "gateway/core/record_kind.hpp"
#include "gateway/pull/api_call.hpp"
#include "gateway/pull/changes.hpp"

namespace kq::pull {

namespace {

constexpr std::int64_t kMaxChangesLimit = 10'000;
constexpr std::int64_t kMaxLookupLimit = 1'000;

std::optional<ApiResult> unknown_params(const ApiCall& call, std::initializer_list<std::string_view> known) {
  const std::vector<std::string> unknown = call.params.unknown(known);
  if (unknown.empty()) return std::nullopt;
  std::string names;
  for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
  return problem_reply(400, "Bad request", "unknown parameter '" + unknown.front() + "' (this endpoint takes " + names + ")",
                       "unknown_parameter");
}

// `limit` as given, or the default; nothing (and `bad` set) when it is out of range.
std::optional<std::size_t> limit_param(const ApiCall& call, std::int64_t fallback, std::int64_t max,
                                       std::optional<ApiResult>& bad) {
  const auto text = call.params.get("limit");
  if (!text) return static_cast<std::size_t>(fallback);
  const auto value = parse_bounded(*text, 1, max);
  if (!value) {
    bad = problem_reply(400, "Bad request", "limit must be a whole number from 1 to " + std::to_string(max),
                        "invalid_parameter");
    return std::nullopt;
  }
  return static_cast<std::size_t>(*value);
}

// The position a cursor parameter stands for (0 when absent); nothing, with `bad` set, when it
// is not one of ours.
std::optional<std::int64_t> cursor_param(const ApiCall& call, std::string_view name, const std::string& context,
                                         std::optional<ApiResult>& bad) {
  const auto text = call.params.get(name);
  if (!text || text->empty()) return 0;
  if (auto seq = call.cursors.open(*text, context)) return *seq;
  bad = problem_reply(400, "Bad request",
                      std::string(name) + " is not a cursor this gateway issued (take it from the previous page)",
                      "invalid_cursor");
  return std::nullopt;
}

// What a cursor is bound to: the endpoint (and its person), the principal and the purpose.
std::string cursor_context(const ApiCall& call, const std::string& endpoint) {
  return endpoint + "|" + call.principal.name + "|" + purpose_of(call);
}

bool wants_ndjson(const ApiCall& call) {
  if (auto format = call.params.get("format")) return *format == "ndjson";
  return call.request.header("accept").find("application/x-ndjson") != std::string_view::npos;
}

// One record answer (a person, a record by id): 404 when it does not exist or lies outside the
// jurisdiction — the same words either way — and 403 when consent does not permit it.
ApiResult single_record(const ApiCall& call, const consent::Request& request, std::string_view api,
                        std::optional<store::StoredRecord> row, const std::string& asked) {
  SingleRecord single = decide_single(call, request, api, std::move(row), asked);
  ApiResult out;
  if (single.verdict == SingleVerdict::disclosed) {
    std::string body;
    append_record_json(body, single.disclosure.records.front());
    out = reply(http::Response{200, "application/json", std::move(body), {}});
  } else if (single.verdict == SingleVerdict::not_found) {
    out = problem_reply(404, "Not found", "no such record", "not_found");
  } else {
    out = problem_reply(403, "Forbidden", "no consent or legal basis permits this disclosure for purpose " +
                                              request.purpose, "consent_denied");
  }
  audit_disclosure(out, single.disclosure);
  return out;
}

}  // namespace

ApiResult get_changes(const ApiCall& call) {
  if (auto bad = unknown_params(call, {"since", "limit", "purpose", "format"})) return std::move(*bad);
  std::optional<ApiResult> bad;
  const auto limit = limit_param(call, 1000, kMaxChangesLimit, bad);
  if (!limit) return std::move(*bad);
  const std::string context = cursor_context(call, "changes");
  const auto since = cursor_param(call, "since", context, bad);
  if (!since) return std::move(*bad);
  auto opened = open_pull(call, "changes");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const consent::Request& request = std::get<consent::Request>(opened);

  DisclosureBuilder builder(request, "changes", call.request.query, call.request.peer);
  ChangesPage page = read_changes(builder, call.reader, *since, *limit);
  const std::string cursor = call.cursors.seal(page.next_after, context);
  http::Response response;
  if (wants_ndjson(call)) {
    response.content_type = "application/x-ndjson";
    for (const store::StoredRecord& r : page.disclosure.records) {
      append_record_json(response.body, r);
      response.body += '\n';
    }
  } else {
    response.body = "{\"records\":" + records_json(page.disclosure.records) + ",\"next_cursor\":";
    core::append_json_string(response.body, cursor);
    response.body += std::string(",\"more\":") + (page.more ? "true" : "false") + "}";
  }
  response.headers.emplace_back("Kangqiao-Next-Cursor", cursor);
  response.headers.emplace_back("Kangqiao-More", page.more ? "true" : "false");
  ApiResult out = reply(std::move(response));
  audit_disclosure(out, page.disclosure);
  return out;
}

ApiResult get_person_by_identifier(const ApiCall& call) {
  if (auto bad = unknown_params(call, {"identifier", "purpose"})) return std::move(*bad);
  const auto identifier = call.params.get("identifier");
  const std::size_t bar = identifier ? identifier->rfind('|') : std::string::npos;
  if (!identifier || bar == std::string::npos || bar == 0 || bar + 1 == identifier->size()) {
    return problem_reply(400, "Bad request", "identifier must be given as system|value", "invalid_parameter");
  }
  auto opened = open_pull(call, "person-by-identifier");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const std::string system = identifier->substr(0, bar);
  std::optional<store::StoredRecord> row;
  if (auto person_id = call.reader.person_by_identifier(system, identifier->substr(bar + 1))) {
    row = call.reader.record(*person_id);
  }
  // The audit keeps the identifier's system, never its value (an identity number).
  return single_record(call, std::get<consent::Request>(opened), "person-by-identifier", std::move(row),
                       "identifier system " + system);
}

ApiResult get_record(const ApiCall& call, const std::string& record_id) {
  if (auto bad = unknown_params(call, {"purpose"})) return std::move(*bad);
  auto opened = open_pull(call, "record");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  return single_record(call, std::get<consent::Request>(opened), "record", call.reader.record(record_id),
                       "record " + record_id);
}

ApiResult get_person_records(const ApiCall& call, const std::string& person_id) {
  if (auto bad = unknown_params(call, {"kind", "category", "since", "until", "limit", "cursor", "purpose"})) {
    return std::move(*bad);
  }
  std::optional<ApiResult> bad;
  const auto limit = limit_param(call, 100, kMaxLookupLimit, bad);
  if (!limit) return std::move(*bad);
  const std::string context = cursor_context(call, "person-records|" + person_id);
  const auto after = cursor_param(call, "cursor", context, bad);
  if (!after) return std::move(*bad);
  store::RecordQuery query;
  for (const std::string& kind : call.params.list("kind")) {
    if (!core::parse_kind(kind)) {
      return problem_reply(400, "Bad request", "kind '" + kind + "' is not a record kind", "invalid_parameter");
    }
    query.kinds.push_back(kind);
  }
  core::CategorySet wanted;
  for (const std::string& code : call.params.list("category")) {
    const auto category = core::parse_data_category(code);
    if (!category) {
      return problem_reply(400, "Bad request",
                           "category '" + code + "' is not one of " + core::data_category_codes(), "invalid_parameter");
    }
    wanted.add(*category);
  }
  for (auto [name, bound] : {std::pair{"since", &query.written_from_ms}, std::pair{"until", &query.written_until_ms}}) {
    if (auto text = call.params.get(name)) {
      const auto ms = parse_instant_ms(*text);
      if (!ms) {
        return problem_reply(400, "Bad request",
                             std::string(name) + " must be a date (2025-03-01) or an instant (2025-03-01T08:00:00+08:00)",
                             "invalid_parameter");
      }
      *bound = *ms;
    }
  }
  auto opened = open_pull(call, "person-records");
  if (auto* refused = std::get_if<ApiResult>(&opened)) return std::move(*refused);
  const consent::Request& request = std::get<consent::Request>(opened);

  // The person first: one outside the jurisdiction (or none) is not found, with nothing said of
  // its records.
  const std::optional<store::StoredRecord> person = call.reader.record(person_id);
  bool found = person && person->kind == "person";
  if (found) {
    const consent::PageDecisions probe = consent::decide_page(request, call.reader, std::span(&*person, 1));
    found = probe.decisions.front().outcome != consent::Outcome::not_found;
  }
  if (!found) {
    ApiResult out = problem_reply(404, "Not found", "no such person", "not_found");
    Disclosure nothing = DisclosureBuilder(request, "person-records", person_id, call.request.peer).finish();
    audit_disclosure(out, nothing);
    return out;
  }
  // Persons merged with this one are the same human: their records are this person's too.
  query.person_ids = same_persons(call.reader, person_id);

  DisclosureBuilder builder(request, "person-records",
                            call.request.query.empty() ? person_id : person_id + "?" + call.request.query,
                            call.request.peer);
  query.after_seq = *after;
  Keep keep;
  if (!wanted.empty()) {
    keep = [wanted](const store::StoredRecord& r) {
      const std::optional<core::CategorySet> categories = consent::categories_of_row(r);
      return categories && (categories->bits() & wanted.bits()) != 0;
    };
  }
  ChangesPage page = read_current(builder, call.reader, query, *limit, keep);
  Disclosure& disclosure = page.disclosure;
  const bool more = page.more;
  const std::int64_t position = page.next_after;
  std::string body = "{\"person_id\":";
  core::append_json_string(body, person_id);
  body += ",\"records\":" + records_json(disclosure.records);
  if (more) {
    body += ",\"next_cursor\":";
    core::append_json_string(body, call.cursors.seal(position, context));
  }
  body += '}';
  ApiResult out = reply(http::Response{200, "application/json", std::move(body), {}});
  audit_disclosure(out, disclosure);
  return out;
}

}  // namespace kq::pull
