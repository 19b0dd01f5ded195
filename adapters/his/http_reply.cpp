#include "http_reply.hpp"

#include <kangqiao/json.hpp>

namespace his {

std::string problem_json(const Problem& problem) {
  kangqiao::json::Object o;
  o.add("type", "urn:kangqiao:problem:" + problem.slug).add("title", problem.title).add("status", problem.status);
  if (!problem.detail.empty()) o.add("detail", problem.detail);
  if (!problem.message_id.empty()) o.add("message_id", problem.message_id);
  kangqiao::json::Array errors;
  for (const kangqiao::ErrorDetail& e : problem.errors) {
    kangqiao::json::Object item;
    item.add("location", e.location).add("message", e.reason).add("kind", kangqiao::error_kind_name(e.kind));
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
