#include "adapters/his/http_reply.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace kq::his {

namespace json = boost::json;

std::string problem_json(const Problem& problem) {
  json::object o;
  o["type"] = "urn:kangqiao:problem:" + problem.slug;
  o["title"] = problem.title;
  o["status"] = problem.status;
  if (!problem.detail.empty()) o["detail"] = problem.detail;
  if (!problem.message_id.empty()) o["message_id"] = problem.message_id;
  json::array errors;
  for (const ProblemError& e : problem.errors) {
    json::object item;
    item["location"] = e.location;
    item["message"] = e.message;
    errors.push_back(std::move(item));
  }
  o["errors"] = std::move(errors);
  return json::serialize(o);
}

std::string created_json(std::string_view message_id, const std::vector<std::string>& record_ids) {
  json::object o;
  o["message_id"] = message_id;
  json::array ids;
  for (const std::string& id : record_ids) ids.emplace_back(id);
  o["record_ids"] = std::move(ids);
  return json::serialize(o);
}

}  // namespace kq::his
