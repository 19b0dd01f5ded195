// URLs of outbound HTTPS sources: what is accepted, and what logs show of them.
#include <gtest/gtest.h>

#include "gateway/outbound/https_get.hpp"

namespace kq::outbound {
namespace {

TEST(HttpsUrl, HostPortAndTarget) {
  auto u = parse_https_url("https://registry.example.cn/roster.csv?token=abc");
  EXPECT_EQ(u.host, "registry.example.cn");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/roster.csv?token=abc");
  u = parse_https_url("https://127.0.0.1:8443");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8443");
  EXPECT_EQ(u.target, "/");
  u = parse_https_url("https://[::1]:9443/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9443");
  EXPECT_EQ(parse_https_url("https://h?x=1").target, "/?x=1");
}

TEST(HttpsUrl, RefusalsSayWhy) {
  auto says = [](const char* url, const char* what) {
    try {
      parse_https_url(url);
      ADD_FAILURE() << url << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  says("http://example.cn/x", "only https://");
  says("https://user:pw@example.cn/x", "user information");
  says("https://example.cn/x#frag", "fragment");
  says("https:///x", "the host is missing");
  says("https://example.cn:0/x", "port");
  says("https://example.cn:70000/x", "port");
  says("https://example.cn:ab/x", "port");
  says("https://[::1/x", "unterminated");
}

TEST(HttpsUrl, LogsNeverShowTheQuery) {
  EXPECT_EQ(redact_url("https://h/roster?token=SECRET"), "https://h/roster?…");
  EXPECT_EQ(redact_url("https://h/roster"), "https://h/roster");
}

TEST(HttpsFetcher, SettingsAreCheckedWhenDeclared) {
  HttpsSource s;
  s.url = "https://localhost/x";
  s.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(HttpsFetcher{s}, std::invalid_argument);
  s.ca_file.clear();
  s.client_certificate = "/some/cert.pem";
  EXPECT_THROW(HttpsFetcher{s}, std::invalid_argument);  // a certificate without its key
  s.client_certificate.clear();
  s.max_attempts = 0;
  EXPECT_THROW(HttpsFetcher{s}, std::invalid_argument);
}

TEST(HttpsFetcher, ConnectionRefusedIsRetriedWithDoublingBackoff) {
  HttpsSource s;
  s.url = "https://127.0.0.1:1/x";  // nothing listens on port 1
  s.max_attempts = 3;
  s.retry_backoff = std::chrono::milliseconds(100);
  std::vector<long> waits;
  try {
    HttpsFetcher(s).get({}, [&](std::chrono::milliseconds d) { waits.push_back(d.count()); });
    FAIL() << "port 1 answered";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.attempts, 3u);
    EXPECT_EQ(e.http_status, 0);
    EXPECT_NE(std::string(e.what()).find("connect: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(after 3 attempts)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(waits, (std::vector<long>{100, 200}));
}

}  // namespace
}  // namespace kq::outbound
