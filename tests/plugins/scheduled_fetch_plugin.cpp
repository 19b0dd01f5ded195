// Drives the ABI 1.3 schedule and outbound HTTPS functions end to end: on each run of its
// schedule (calendar `cron`, or `interval` for quick tests) it GETs `url` through the host and
// hands the body on as canonical records. What happened is written to the log as
// `test_fetch_result`, which the e2e suite test_scheduled_fetch reads.
#include <kangqiao/plugin.hpp>

#include <string>

namespace {

using kangqiao::Field;

constexpr kq_field_spec kFields[] = {
    Field::string("url").required().describe("HTTPS URL to GET on every run."),
    Field::path("ca_file").describe("CA bundle the server must chain to."),
    Field::path("client_certificate").describe("Client certificate (mutual TLS)."),
    Field::path("client_private_key").describe("Its private key."),
    Field::duration("connect_timeout").defaults("5s").describe("Connect and TLS handshake."),
    Field::duration("read_timeout").defaults("10s").describe("Whole response."),
    Field::bytes("max_bytes").defaults("1MiB").describe("Largest body."),
    Field::integer("max_attempts").defaults("3").range(1, 10).describe("Tries."),
    Field::duration("retry_backoff").defaults("100ms").describe("First wait between tries."),
    Field::string("cron").describe("Calendar schedule (five fields)."),
    Field::string("time_zone").describe("IANA zone of the cron expression; empty: Asia/Shanghai."),
    Field::duration("interval").describe("Interval schedule instead of cron."),
};

class ScheduledFetch final : public kangqiao::Adapter {
 public:
  ScheduledFetch(const kangqiao::Host& host, const kangqiao::Config& config) : host_(host) {
    host.add_https_source("roster", config);
    if (auto cron = config.string("cron")) {
      host.add_calendar_schedule("fetch", cron->c_str(), config.string("time_zone").value_or("").c_str());
    } else {
      host.add_schedule("fetch", config.integer("interval").value_or(1000));
    }
  }

  void decode(const kangqiao::Inbound&, kangqiao::DecodeSink& out) override {
    try {
      const kangqiao::HttpsFetch got = out.https_get("roster");
      report("status=" + std::to_string(got.http_status) + " not_modified=" + (got.not_modified ? "1" : "0") +
             " attempts=" + std::to_string(got.attempts) + " bytes=" + std::to_string(got.body.size()));
      if (got.not_modified) {
        out.nothing_to_do("the roster was not modified since the last import");  // ABI 1.4
        return;
      }
      out.emit("canonical+json", got.body);
    } catch (const kangqiao::ParseFailure& e) {
      report(std::string("error=") + e.what());
      out.reject(e.detail());
    }
  }
  void acknowledge(const kangqiao::Inbound&, const kangqiao::Outcome& outcome, kangqiao::AckSink&) override {
    report("outcome=" + std::to_string(static_cast<int>(outcome.kind())));
  }

 private:
  void report(const std::string& what) const { host_.log(KQ_LOG_INFO, "test_fetch_result", what); }
  kangqiao::Host host_;
};

constexpr kangqiao::PluginInfo kInfo{.name = "test_scheduled_fetch",
                                     .version = "0.0.1",
                                     .description = "Schedule and outbound HTTPS test plugin",
                                     .fields = kFields};

}  // namespace

KQ_DEFINE_PLUGIN(kInfo, ScheduledFetch)
