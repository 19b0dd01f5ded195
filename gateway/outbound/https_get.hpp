#pragma once
// Outbound HTTPS GET on behalf of a plugin (a roster published at a URL): TLS 1.2 or later, the
// server verified against a configured CA and its name, an optional client certificate (mutual
// TLS), connect and read timeouts, a size limit, retries with backoff on connection errors and
// on 5xx/429 (never on other 4xx), and conditional GET (If-None-Match / If-Modified-Since).
// Blocking: call it from the blocking pool (on_decode), never from an I/O thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boost::asio::ssl { class context; }

namespace kq::outbound {

struct HttpsSource {
  std::string name;                 // what the plugin calls it
  std::string url;                  // https://host[:port]/path[?query]
  std::string ca_file;              // PEM bundle the server must chain to; empty: the system's
  std::string client_certificate;   // PEM chain for mutual TLS; empty: none
  std::string client_private_key;
  std::chrono::milliseconds connect_timeout{10'000};  // resolve, connect and TLS handshake
  std::chrono::milliseconds read_timeout{60'000};     // request sent and whole response read
  std::uint64_t max_bytes = 64ULL << 20;
  unsigned max_attempts = 4;
  std::chrono::milliseconds retry_backoff{1'000};     // first wait; doubles, at most 60 s
};

// What makes a GET conditional: the validators of the last body that was used.
struct Validators {
  std::string etag;
  std::string last_modified;
  bool empty() const { return etag.empty() && last_modified.empty(); }
};

struct HttpsResponse {
  int status = 0;              // 200, 204 or 304
  bool not_modified = false;   // 304: the body is the one the validators named
  std::string body;
  std::string content_type;
  Validators validators;       // of this body (or, on 304, the ones sent)
  unsigned attempts = 0;
};

struct FetchError : std::runtime_error {
  FetchError(const std::string& what, int status, unsigned tries)
      : std::runtime_error(what), http_status(status), attempts(tries) {}
  int http_status;  // 0: no HTTP answer (connection, TLS, timeout, size)
  unsigned attempts;
};

struct HttpsUrl {
  std::string host;
  std::string port = "443";
  std::string target = "/";  // path and query, as sent
};
// Throws std::invalid_argument naming what is wrong (only https:, no user info, no fragment).
HttpsUrl parse_https_url(std::string_view url);
// The URL without its query: what logs and errors show, since a query may carry a token.
std::string redact_url(std::string_view url);

class HttpsFetcher {
 public:
  // Checks the URL and loads the CA and the client certificate once; throws
  // std::invalid_argument naming the setting and the reason.
  explicit HttpsFetcher(HttpsSource source);
  ~HttpsFetcher();
  HttpsFetcher(HttpsFetcher&&) noexcept;

  const HttpsSource& source() const { return source_; }
  // One GET with retries; throws FetchError after the last attempt or on a 4xx/3xx answer.
  // `sleep` waits between attempts (tests pass one that records instead of sleeping).
  HttpsResponse get(const Validators& known,
                    const std::function<void(std::chrono::milliseconds)>& sleep = {}) const;

 private:
  HttpsSource source_;
  HttpsUrl url_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace kq::outbound
