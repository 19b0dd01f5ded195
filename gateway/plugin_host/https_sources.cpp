// The ABI 1.3 functions: calendar schedules and the outbound HTTPS GET a plugin asks the host
// for. Like every host function they never throw: errors become KQ_ERROR with a reason.
#include "gateway/log/log.hpp"
#include "gateway/outbound/https_get.hpp"
#include "gateway/outbound/validator_cache.hpp"
#include "gateway/plugin_host/host_calls.hpp"

namespace kq::plugin_host {

namespace {

std::string text_or(const char* s, std::string fallback = {}) {
  return s != nullptr && *s != '\0' ? std::string(s) : std::move(fallback);
}

template <typename T>
T positive_or(std::int64_t value, T fallback) {
  return value > 0 ? T(value) : fallback;
}

}  // namespace

kq_status api_add_calendar_schedule(kq_host_instance* h, const char* name, const char* cron,
                                    const char* time_zone) {
  HookCall* call = configuring(h, "add_calendar_schedule");
  if (call == nullptr) return KQ_ERROR;
  if (name == nullptr || *name == '\0' || cron == nullptr) {
    call->error = "add_calendar_schedule needs a name and a cron expression";
    return KQ_ERROR;
  }
  try {
    auto calendar = std::make_shared<const schedule::CalendarSchedule>(
        schedule::make_calendar_schedule(cron, text_or(time_zone)));
    HostAccess::schedules(HostAccess::self(h)).push_back(Schedule{name, {}, std::move(calendar)});
    return KQ_OK;
  } catch (const std::exception& e) {
    call->error = call->host_refusal = std::string("schedule ") + name + ": " + e.what();
    return KQ_ERROR;
  }
}

kq_status api_add_https_source(kq_host_instance* h, const kq_https_source* s) {
  HookCall* call = configuring(h, "add_https_source");
  if (call == nullptr) return KQ_ERROR;
  if (s == nullptr || !KQ_HAS_FIELD(s, kq_https_source, retry_backoff_ms) || s->name == nullptr ||
      *s->name == '\0' || s->url == nullptr) {
    call->error = "add_https_source needs a kq_https_source with a name and a url";
    return KQ_ERROR;
  }
  outbound::HttpsSource source;
  source.name = s->name;
  source.url = s->url;
  source.ca_file = text_or(s->ca_file);
  source.client_certificate = text_or(s->client_certificate);
  source.client_private_key = text_or(s->client_private_key);
  source.connect_timeout = positive_or(s->connect_timeout_ms, source.connect_timeout);
  source.read_timeout = positive_or(s->read_timeout_ms, source.read_timeout);
  source.max_bytes = positive_or<std::uint64_t>(s->max_bytes, source.max_bytes);
  source.max_attempts = s->max_attempts > 0 ? s->max_attempts : source.max_attempts;
  source.retry_backoff = positive_or(s->retry_backoff_ms, source.retry_backoff);
  auto& sources = HostAccess::https_sources(HostAccess::self(h));
  if (sources.count(source.name) != 0) {
    call->error = "https source " + source.name + " is declared twice";
    return KQ_ERROR;
  }
  try {
    auto fetcher = std::make_shared<const outbound::HttpsFetcher>(std::move(source));
    sources.emplace(fetcher->source().name, std::move(fetcher));
    return KQ_OK;
  } catch (const std::exception& e) {
    call->error = call->host_refusal = "https source " + std::string(s->name) + ": " + e.what();
    return KQ_ERROR;
  }
}

kq_status api_https_get(kq_decode_sink* sink, const char* source_name, kq_https_response* response,
                        kq_error_detail* error) {
  if (sink == nullptr || !sink->open || response == nullptr || source_name == nullptr) return KQ_ERROR;
  DecodeResult& result = *sink->result;
  if (!result.parsed) result.parsed = std::make_unique<MessageDocuments>();
  MessageDocuments& docs = *result.parsed;
  auto fail = [&](std::string reason, core::ErrorKind kind) {
    if (error != nullptr) {
      docs.scratch.push_back(std::move(reason));
      error->kind = static_cast<kq_error_kind>(kind);
      error->location = view_of(docs.scratch.emplace_back(source_name));
      error->reason = view_of(docs.scratch[docs.scratch.size() - 2]);
    }
    return KQ_ERROR;
  };
  const AdapterInstance* self = current_instance();
  if (self == nullptr) return fail("https_get may only be called from on_decode", core::ErrorKind::internal);
  const auto& sources = HostAccess::https_sources(*self);
  const auto it = sources.find(std::string_view(source_name));
  if (it == sources.end()) {
    return fail(std::string("no https source named ") + source_name + " was added in create",
                core::ErrorKind::internal);
  }
  const outbound::HttpsFetcher& fetcher = *it->second;
  const std::string key = outbound::validator_key(self->name(), fetcher.source());
  const std::string shown = outbound::redact_url(fetcher.source().url);
  try {
    outbound::HttpsResponse got = fetcher.get(outbound::remembered_validators(key));
    log::info("https_get", {{"adapter", self->name()}, {"source", fetcher.source().name}, {"url", shown},
                            {"status", got.status}, {"bytes", got.body.size()}, {"attempts", got.attempts}});
    if (!got.not_modified) docs.fetched.emplace_back(key, got.validators);
    response->http_status = got.status;
    response->not_modified = got.not_modified ? 1 : 0;
    response->body = view_of(docs.strings.emplace_back(std::move(got.body)));
    response->content_type = view_of(docs.strings.emplace_back(std::move(got.content_type)));
    if (KQ_HAS_FIELD(response, kq_https_response, attempts)) response->attempts = got.attempts;
    return KQ_OK;
  } catch (const outbound::FetchError& e) {
    log::warn("https_get_failed", {{"adapter", self->name()}, {"source", fetcher.source().name},
                                   {"reason", e.what()}, {"attempts", e.attempts}});
    return fail(e.what(), core::ErrorKind::unspecified);
  } catch (const std::exception& e) {
    return fail(shown + ": " + e.what(), core::ErrorKind::internal);
  }
}

void settle_fetches(const AdapterInstance&, const Outcome& outcome, DecodeResult& decoded) {
  if (!decoded.parsed || decoded.parsed->fetched.empty()) return;
  // NOTHING_TO_DO after a body: the plugin took what it needed from it (a roster handed on to its
  // drop folder, a feed with nothing new); asking again whether it changed is right.
  if (outcome.kind == KQ_OUTCOME_COMMITTED || outcome.kind == KQ_OUTCOME_DUPLICATE ||
      outcome.kind == KQ_OUTCOME_NOTHING_TO_DO) {
    for (const auto& [key, validators] : decoded.parsed->fetched) outbound::remember_validators(key, validators);
  }
  decoded.parsed->fetched.clear();
}

}  // namespace kq::plugin_host
