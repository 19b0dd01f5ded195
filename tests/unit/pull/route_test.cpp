// PullApi::route on a real store: what a caller hears for parameters the endpoints do not take or
// cannot read (400 with a machine-readable code and words naming the parameter), for a purpose
// it may not pull for (403, audited), for an unknown path or method, and that a good request
// pages the feed with a cursor that works and is refused under another key.
#include <boost/json/parse.hpp>

#include "tests/unit/pull/pull_test_support.hpp"

namespace kq::pull::testing {
namespace {

CursorCodec::Key fixed_key(unsigned char seed) {
  CursorCodec::Key key{};
  key.fill(seed);
  return key;
}

class Route : public DistrictStore {
 protected:
  ApiResult call(const std::string& method, const std::string& path, const std::string& query,
                 const CursorCodec* codec = nullptr) {
    http::Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    request.peer = "10.1.2.3";
    std::string error;
    const std::optional<QueryParams> params = QueryParams::parse(query, error);
    if (!params) throw std::runtime_error(error);
    const std::unique_ptr<store::Reader> reader = store_->reader();
    const ApiCall c{request, config_.principals.front(), *params, policy_, *reader,
                    codec != nullptr ? *codec : cursors_, at(kNow).utc_millis()};
    return PullApi::route(c);
  }
  ApiResult get(const std::string& path, const std::string& query) { return call("GET", path, query); }

  const CursorCodec cursors_{fixed_key(7)};
};

// The reply's status, its problem `code`, and whether its detail mentions `word`.
void expect_problem(const ApiResult& r, int status, const std::string& code, const std::string& word) {
  EXPECT_EQ(r.response.status, status) << r.response.body;
  EXPECT_EQ(r.response.content_type, "application/problem+json");
  const boost::json::object body = boost::json::parse(r.response.body).as_object();
  EXPECT_EQ(std::string(body.at("code").as_string()), code) << r.response.body;
  EXPECT_NE(std::string(body.at("detail").as_string()).find(word), std::string::npos) << r.response.body;
  EXPECT_TRUE(r.batch.records.empty());
}

std::string header(const ApiResult& r, const std::string& name) {
  for (const auto& [key, value] : r.response.headers) {
    if (key == name) return value;
  }
  return {};
}

TEST_F(Route, AnUnknownParameterIsNamed) {
  const ApiResult r = get("/api/v1/changes", "purpose=PUBHLTH&sinse=abc");
  expect_problem(r, 400, "unknown_parameter", "sinse");
  EXPECT_TRUE(r.batch.audit.empty());  // refused before anything was read
  expect_problem(get("/api/v1/records/o-1", "purpose=PUBHLTH&limit=5"), 400, "unknown_parameter", "limit");
  expect_problem(get("/api/v1/persons", "purpose=PUBHLTH&id=1"), 400, "unknown_parameter", "'id'");
}

TEST_F(Route, ALimitOutOfRangeOrNotANumberIsRefused) {
  for (const char* limit : {"0", "10001", "-5", "abc", "1.5", ""}) {
    SCOPED_TRACE(limit);
    expect_problem(get("/api/v1/changes", std::string("purpose=PUBHLTH&limit=") + limit), 400, "invalid_parameter",
                   "limit must be a whole number from 1 to 10000");
  }
  // The look-up of a person's records takes at most 1,000.
  expect_problem(get("/api/v1/persons/p1/records", "purpose=PUBHLTH&limit=1001"), 400, "invalid_parameter",
                 "from 1 to 1000");
}

TEST_F(Route, ACursorThisGatewayDidNotIssueIsRefused) {
  child("p1", Consent::granted, 1);
  const CursorCodec other(fixed_key(8));
  const std::string context = "changes|" + config_.principals.front().name + "|PUBHLTH";
  for (const std::string& since : {std::string("12345"), std::string("not-a-cursor"), other.seal(1, context),
                                   cursors_.seal(1, context).substr(1),
                                   cursors_.seal(1, "changes|" + config_.principals.front().name + "|TREAT")}) {
    SCOPED_TRACE(since);
    expect_problem(get("/api/v1/changes", "purpose=PUBHLTH&since=" + since), 400, "invalid_cursor", "since");
  }
  expect_problem(get("/api/v1/persons/p1/records", "purpose=PUBHLTH&cursor=zzz"), 400, "invalid_cursor", "cursor");
}

TEST_F(Route, OtherParameterErrorsNameTheParameter) {
  expect_problem(get("/api/v1/persons", "purpose=PUBHLTH&identifier=no-bar"), 400, "invalid_parameter", "system|value");
  expect_problem(get("/api/v1/persons/p1/records", "purpose=PUBHLTH&kind=spaceship"), 400, "invalid_parameter",
                 "spaceship");
  expect_problem(get("/api/v1/persons/p1/records", "purpose=PUBHLTH&category=gossip"), 400, "invalid_parameter",
                 "gossip");
  expect_problem(get("/api/v1/persons/p1/records", "purpose=PUBHLTH&since=last-week"), 400, "invalid_parameter",
                 "since");
}

TEST_F(Route, APurposeThePrincipalMayNotUseIsForbiddenAndAudited) {
  const ApiResult r = get("/api/v1/changes", "purpose=HRESCH");
  expect_problem(r, 403, "purpose_not_allowed", "HRESCH");
  ASSERT_EQ(r.batch.audit.size(), 1u);
  EXPECT_EQ(r.batch.audit[0].outcome, store::AuditOutcome::serious_failure);
  EXPECT_NE(r.batch.audit[0].detail_json.find("purpose_not_allowed"), std::string::npos);
  EXPECT_NE(r.batch.audit[0].detail_json.find("10.1.2.3"), std::string::npos);
}

TEST_F(Route, UnknownPathsAndMethods) {
  expect_problem(get("/api/v1/nothing", ""), 404, "no_endpoint", "/api/v1/nothing");
  const ApiResult post = call("POST", "/api/v1/changes", "purpose=PUBHLTH");
  expect_problem(post, 405, "method_not_allowed", "POST");
  EXPECT_EQ(header(post, "Allow"), "GET");
}

TEST_F(Route, TheFeedPagesAsNdjsonWithACursorThatResumesIt) {
  child("p1", Consent::granted, 2);
  child("p2", Consent::none, 2);
  child("p3", Consent::granted, 2);
  std::vector<std::string> ids;
  std::string since;
  int pages = 0;
  for (bool more = true; more && pages < 10; ++pages) {
    const ApiResult r = get("/api/v1/changes", "purpose=PUBHLTH&format=ndjson&limit=3" + (since.empty() ? "" : "&since=" + since));
    ASSERT_EQ(r.response.status, 200) << r.response.body;
    EXPECT_EQ(r.response.content_type, "application/x-ndjson");
    ASSERT_FALSE(r.batch.audit.empty());  // committed before the reply may leave
    std::size_t start = 0;
    while (start < r.response.body.size()) {
      const std::size_t end = r.response.body.find('\n', start);
      ASSERT_NE(end, std::string::npos) << "every line ends with a newline";
      ids.emplace_back(boost::json::parse(r.response.body.substr(start, end - start)).at("id").as_string());
      start = end + 1;
    }
    since = header(r, "Kangqiao-Next-Cursor");
    ASSERT_TRUE(cursors_.open(since, "changes|" + config_.principals.front().name + "|PUBHLTH").has_value());
    more = header(r, "Kangqiao-More") == "true";
  }
  EXPECT_EQ(ids, (std::vector<std::string>{kHospital, "p1", "o-p1-0", "o-p1-1", "p3", "o-p3-0", "o-p3-1"}));
  EXPECT_EQ(pages, 3);
  // The JSON form carries the same cursor in its body.
  const ApiResult json = get("/api/v1/changes", "purpose=PUBHLTH&limit=2");
  const boost::json::object body = boost::json::parse(json.response.body).as_object();
  EXPECT_EQ(body.at("records").as_array().size(), 2u);
  EXPECT_EQ(body.at("more"), true);
  EXPECT_EQ(std::string(body.at("next_cursor").as_string()), header(json, "Kangqiao-Next-Cursor"));
}

}  // namespace
}  // namespace kq::pull::testing
