#pragma once
// The bodies of the his adapter's HTTP replies: the success body (201, after commit) and RFC 9457
// problem documents (`application/problem+json`) with the errors in the sender's terms.
#include <kangqiao/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace his {

struct Problem {
  int status = 400;
  std::string slug;    // the problem type: urn:kangqiao:problem:<slug>
  std::string title;   // short, the same for every problem of this type
  std::string detail;  // this occurrence, in one sentence
  std::vector<kangqiao::ErrorDetail> errors;
  std::string message_id;  // the stored raw message, when there is one
};

// {"type":"urn:kangqiao:problem:…","title":…,"status":…,"detail":…,
//  "errors":[{"location":…,"message":…,"kind":…}]}
std::string problem_json(const Problem& problem);

// {"message_id":"…","record_ids":["…",…]}: the same bytes for the first reply and for an
// identical resend, so a client that retries sees exactly what it would have seen.
std::string created_json(std::string_view message_id, const std::vector<std::string>& record_ids);

}  // namespace his
