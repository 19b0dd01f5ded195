#pragma once
// One HTTP request and its reply, as the listener hands them to whatever serves them (an
// adapter's route, or the gateway's own APIs): plain data, so they can cross to the blocking pool.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kq::http {

struct Request {
  std::string listener;
  std::string method;
  std::string path;   // without the query
  std::string query;  // after '?', still percent-encoded; empty when there is none
  std::string content_type;
  std::string body;
  std::string idempotency_key;
  std::string peer;  // the client's address
  // Every header, names in lower case, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that (lower-case) name, or "".
  std::string_view header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beside Content-Type and Server
};

// RFC 7807 problem document; `code`, when given, is a machine-readable reason beside the text
// (an extension member).
Response problem(int status, const std::string& title, const std::string& detail, std::string_view code = {});

}  // namespace kq::http
