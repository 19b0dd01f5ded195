#include "http_reply.hpp"

#include <kangqiao/json.hpp>

namespace his {

std::string_view kind_name(kq_error_kind kind) {
  // The same names the gateway writes into dead letters, so an operator reads one vocabulary.
  switch (kind) {
    case KQ_ERROR_UNSPECIFIED: return "unspecified";
    case KQ_ERROR_REQUIRED: return "required";
    case KQ_ERROR_DATA_TYPE: return "data-type";
    case KQ_ERROR_CODE_UNKNOWN: return "code-unknown";
    case KQ_ERROR_TOO_LONG: return "too-long";
    case KQ_ERROR_STRUCTURE: return "structure";
    case KQ_ERROR_UNSUPPORTED: return "unsupported";
    case KQ_ERROR_UNSUPPORTED_EVENT: return "unsupported-event";
    case KQ_ERROR_UNKNOWN_KEY: return "unknown-key";
    case KQ_ERROR_DUPLICATE_KEY: return "duplicate-key";
    case KQ_ERROR_NOT_PERMITTED: return "not-permitted";
    case KQ_ERROR_INTERNAL: return "internal";
  }
  return "unspecified";
}

std::string problem_json(const Problem& problem) {
  kangqiao::json::Object o;
  o.add("type", "urn:kangqiao:problem:" + problem.slug).add("title", problem.title).add("status", problem.status);
  if (!problem.detail.empty()) o.add("detail", problem.detail);
  if (!problem.message_id.empty()) o.add("message_id", problem.message_id);
  kangqiao::json::Array errors;
  for (const kangqiao::ErrorDetail& e : problem.errors) {
    kangqiao::json::Object item;
    item.add("location", e.location).add("message", e.reason).add("kind", kind_name(e.kind));
    errors.add_raw(item.str());
  }
  o.add("errors", errors);
  return o.str();
}

std::string created_json(std::string_view message_id, const std::vector<std::string>& record_ids) {
  kangqiao::json::Array ids;
  for (const std::string& id : record_ids) ids.add(id);
  return kangqiao::json::Object().add("message_id", message_id).add("record_ids", ids).str();
}

}  // namespace his
