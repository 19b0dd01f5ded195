// One GET runs on a private io_context in the calling thread: the asynchronous operations give
// the connect and read timeouts that blocking sockets lack, and no I/O thread is held up.
#include "gateway/outbound/https_get.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace kq::outbound {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A failure worth another attempt (connection, TLS, timeout; 5xx and 429) or not (other 4xx,
// a redirect, a body over the limit).
struct AttemptFailure {
  std::string reason;
  int http_status = 0;
  bool retriable = true;
};

struct Attempt {
  std::optional<HttpsResponse> response;
  std::optional<AttemptFailure> failure;
};

std::string describe(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) text = reason;
  }
  return text;
}

asio::awaitable<Attempt> attempt(const HttpsSource& source, const HttpsUrl& url, asio::ssl::context& tls,
                                 const Validators& known) {
  Attempt result;
  auto executor = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  // A TLS refusal (a certificate refused on either side, no common protocol) would be the same
  // on another try; a connection that broke, was cut short or timed out may be retried.
  auto fail = [&](std::string stage, const beast::error_code& ec) {
    const bool tls_refusal = ec.category() == asio::error::get_ssl_category() && ec != asio::ssl::error::stream_truncated;
    result.failure = AttemptFailure{stage + ": " + describe(ec), 0, !tls_refusal};
  };
  // The certificate must name the URL's host: a DNS name (also sent as SNI) or an IP address
  // (checked against the certificate's IP entries; RFC 6066 forbids IPs in SNI).
  boost::system::error_code not_ip;
  asio::ip::make_address(url.host, not_ip);
  if (not_ip) {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(url.host.c_str()));
    SSL_set1_host(stream.native_handle(), url.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), url.host.c_str());
  }

  beast::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  asio::ip::tcp::resolver resolver(executor);
  beast::get_lowest_layer(stream).expires_after(source.connect_timeout);
  const auto endpoints = co_await resolver.async_resolve(url.host, url.port, token);
  if (ec) { fail("resolve", ec); co_return result; }
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, token);
  if (ec) { fail("connect", ec); co_return result; }
  co_await stream.async_handshake(asio::ssl::stream_base::client, token);
  if (ec) { fail("TLS handshake", ec); co_return result; }

  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  // An IPv6 literal is bracketed in the Host header (RFC 9110 §7.2, RFC 3986 §3.2.2); the parsed
  // URL holds it without its brackets, as the resolver wants it.
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  request.set(http::field::host, url.port == "443" ? host : host + ":" + url.port);
  request.set(http::field::user_agent, "kangqiao");
  request.set(http::field::connection, "close");
  if (!known.etag.empty()) request.set(http::field::if_none_match, known.etag);
  if (!known.last_modified.empty()) request.set(http::field::if_modified_since, known.last_modified);
  beast::get_lowest_layer(stream).expires_after(source.read_timeout);
  co_await http::async_write(stream, request, token);
  if (ec) { fail("send", ec); co_return result; }

  http::response_parser<http::string_body> parser;
  parser.body_limit(source.max_bytes);
  parser.header_limit(64 * 1024);
  beast::flat_buffer buffer;
  co_await http::async_read(stream, buffer, parser, token);
  if (ec == http::error::body_limit) {
    result.failure = AttemptFailure{"the response is larger than max_bytes (" + std::to_string(source.max_bytes) + ")",
                                    0, false};
    co_return result;
  }
  if (ec) { fail("receive", ec); co_return result; }
  auto& response = parser.get();
  const int status = static_cast<int>(response.result_int());
  if (status == 200 || status == 204 || status == 304) {
    HttpsResponse ok;
    ok.status = status;
    ok.not_modified = status == 304;
    ok.content_type = std::string(response[http::field::content_type]);
    ok.validators.etag = std::string(response[http::field::etag]);
    ok.validators.last_modified = std::string(response[http::field::last_modified]);
    if (ok.not_modified && ok.validators.empty()) ok.validators = known;
    if (!ok.not_modified) ok.body = std::move(response.body());
    result.response = std::move(ok);
  } else {
    const bool retriable = status >= 500 || status == 429;
    result.failure = AttemptFailure{"the server answered HTTP " + std::to_string(status), status, retriable};
  }
  // A clean TLS close is a courtesy; the answer is complete either way.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(token);
  co_return result;
}

// Runs one PEM load and turns its failure into the setting's name, the file and OpenSSL's reason.
template <typename Load>
void use_pem(const std::string& file, const char* setting, Load load) {
  boost::system::error_code ec;
  load(ec);
  if (ec) throw std::invalid_argument(std::string(setting) + " \"" + file + "\": " + describe(ec));
}

}  // namespace

HttpsUrl parse_https_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme) throw std::invalid_argument("url: only https:// URLs are fetched");
  std::string_view rest = url.substr(scheme.size());
  if (rest.find('#') != std::string_view::npos) throw std::invalid_argument("url: a fragment (#…) is not sent");
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  HttpsUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target[0] == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("url: user information (user@) is not accepted; use a client certificate");
  }
  if (!authority.empty() && authority[0] == '[') {  // an IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("url: an unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] != ':') throw std::invalid_argument("url: text after the [IPv6] host");
    if (!authority.empty()) out.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) throw std::invalid_argument("url: the host is missing");
  if (out.port.empty() || out.port.size() > 5 ||
      !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(out.port) < 1 || std::stoi(out.port) > 65535) {
    throw std::invalid_argument("url: the port is not a number from 1 to 65535");
  }
  return out;
}

std::string redact_url(std::string_view url) {
  const auto cut = url.find_first_of("?#");
  if (cut == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, cut)) + "?…";
}

HttpsFetcher::HttpsFetcher(HttpsSource source) : source_(std::move(source)), url_(parse_https_url(source_.url)) {
  if (source_.max_attempts == 0) throw std::invalid_argument("max_attempts: at least 1");
  if (source_.max_bytes == 0) throw std::invalid_argument("max_bytes: at least 1");
  if (source_.client_certificate.empty() != source_.client_private_key.empty()) {
    throw std::invalid_argument("client_certificate and client_private_key go together");
  }
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
  tls_->set_options(asio::ssl::context::no_compression);
  tls_->set_verify_mode(asio::ssl::verify_peer);
  if (source_.ca_file.empty()) {
    tls_->set_default_verify_paths();
  } else {
    use_pem(source_.ca_file, "ca_file", [&](auto& ec) { tls_->load_verify_file(source_.ca_file, ec); });
  }
  if (!source_.client_certificate.empty()) {
    use_pem(source_.client_certificate, "client_certificate",
            [&](auto& ec) { tls_->use_certificate_chain_file(source_.client_certificate, ec); });
    use_pem(source_.client_private_key, "client_private_key",
            [&](auto& ec) { tls_->use_private_key_file(source_.client_private_key, asio::ssl::context::pem, ec); });
  }
}

HttpsFetcher::~HttpsFetcher() = default;
HttpsFetcher::HttpsFetcher(HttpsFetcher&&) noexcept = default;

HttpsResponse HttpsFetcher::get(const Validators& known,
                                const std::function<void(std::chrono::milliseconds)>& sleep) const {
  auto backoff = source_.retry_backoff;
  AttemptFailure last;
  for (unsigned n = 1; n <= source_.max_attempts; ++n) {
    if (n > 1) {
      if (sleep) sleep(backoff); else std::this_thread::sleep_for(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(60));
    }
    asio::io_context ioc;
    auto future = asio::co_spawn(ioc, attempt(source_, url_, *tls_, known), asio::use_future);
    ioc.run();
    Attempt result = future.get();
    if (result.response) {
      result.response->attempts = n;
      return std::move(*result.response);
    }
    last = std::move(*result.failure);
    if (!last.retriable) throw FetchError(redact_url(source_.url) + ": " + last.reason, last.http_status, n);
  }
  throw FetchError(redact_url(source_.url) + ": " + last.reason + " (after " + std::to_string(source_.max_attempts) +
                       " attempts)",
                   last.http_status, source_.max_attempts);
}

}  // namespace kq::outbound
