#include "gateway/runtime/roster_drop.hpp"

#include <fstream>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>

#include "gateway/log/log.hpp"

namespace kq::runtime {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kRetryPause = 2s;              // after a store that could not commit
constexpr auto kProgressEvery = 5s;           // a progress line at most this often
constexpr std::size_t kReportRejects = 1000;  // rejected rows listed in a receipt
constexpr std::size_t kChunksInFlight = 2;    // one written, the next one mapped meanwhile

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The file's SHA-256, read in blocks: the file is never in memory whole.
std::optional<std::string> sha256_of_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::string block(1 << 20, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

std::string failure_receipt(const std::string& reason) {
  return "{\"outcome\":\"rejected\",\"reason\":" + boost::json::serialize(boost::json::value(reason)) + "}";
}

}  // namespace

RosterFileRun::RosterFileRun(asio::io_context& ioc, asio::thread_pool& blocking,
                             std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                             const plugin_host::FileDrop& drop, RosterSender sender, RosterServices services,
                             std::function<bool()> serving)
    : timer_(ioc),
      blocking_(blocking),
      strand_(boost::asio::make_strand(blocking.get_executor())),
      adapter_(std::move(adapter)),
      drop_(drop),
      sender_(std::move(sender)),
      services_(std::move(services)),
      serving_(std::move(serving)) {}

void RosterFileRun::start(const fs::path& root, const std::string& name, std::function<void(RosterFileResult)> done) {
  file_ = root / "work" / name;
  name_ = name;
  done_ = std::move(done);
  asio::post(strand_, [self = shared_from_this()] { self->open(); });
}

void RosterFileRun::later(std::chrono::milliseconds pause, std::function<void()> then) {
  timer_.expires_after(pause);
  timer_.async_wait([self = shared_from_this(), then = std::move(then)](boost::system::error_code) {
    asio::post(self->strand_, then);
  });
}

bool RosterFileRun::stop_if_not_serving() {
  if (serving_()) return false;
  stop();
  return true;
}

void RosterFileRun::stop() {
  log::info("roster_sync_paused", {{"adapter", adapter_->name()}, {"file", name_}, {"roster_sync", run_.id},
                                   {"chunks_done", run_.chunks_done}});
  *services_.rows_done -= rows_this_process_;
  rows_this_process_ = 0;
  done_(RosterFileResult{false, true, ""});
}

void RosterFileRun::fail(const std::string& reason) {
  log::warn("roster_sync_failed", {{"adapter", adapter_->name()}, {"file", name_}, {"reason", reason}});
  if (services_.runs != nullptr) services_.runs->inc({adapter_->name(), "failed"});
  *services_.rows_done -= rows_this_process_;
  done_(RosterFileResult{false, false, failure_receipt(reason)});
}

// On the blocking pool: the run to resume, or a new one; then the chunks after the committed ones.
void RosterFileRun::open() {
  if (stop_if_not_serving()) return;
  in_flight_.clear();
  awaiting_plan_ = read_all_ = false;
  ending_ = Ending::none;
  consumed_ = 0;
  const RosterReadSettings settings{drop_.rows_per_chunk, drop_.roster_kind_by_name, drop_.roster_sheet,
                                    drop_.roster_record_element};
  std::string refused;
  const std::optional<RosterKind> kind = roster_kind_of(name_, settings, refused);
  if (!kind) return fail(refused);
  kind_ = *kind;
  std::error_code ec;
  const std::uintmax_t bytes = fs::file_size(file_, ec);
  const std::optional<std::string> sha256 = ec ? std::nullopt : sha256_of_file(file_);
  if (!sha256) return fail("cannot read the file");
  const std::string registry =
      sender_.organisation.empty() ? adapter_->name() : adapter_->name() + "|" + sender_.organisation;
  std::optional<store::RosterSyncRun> resumed;
  try {
    resumed = services_.reader()->roster_sync_running(adapter_->name(), registry, *sha256);
  } catch (const std::exception& e) {
    log::error("roster_sync_store_unreadable", {{"adapter", adapter_->name()}, {"error", e.what()}});
    return later(std::chrono::duration_cast<std::chrono::milliseconds>(kRetryPause), [self = shared_from_this()] {
      self->open();
    });
  }
  if (resumed) {
    run_ = *resumed;
  } else {
    run_ = store::RosterSyncRun{};
    run_.started_at_ms = now_ms();
    run_.id = "rs-" + sha256->substr(0, 16) + "-" + std::to_string(run_.started_at_ms);
    run_.adapter = adapter_->name();
    run_.registry = registry;
    run_.file_sha256 = *sha256;
  }
  run_.file_name = name_;
  run_.file_bytes = static_cast<std::int64_t>(bytes);
  reader_ = open_roster_reader(kind_, file_, settings);
  if (!reader_->error().empty()) return fail(reader_->error());
  // Committed chunks are read past, not mapped: the same bytes give the same chunks.
  RosterFileChunk skipped;
  for (std::int64_t i = 0; i < run_.chunks_done && reader_->next(skipped); ++i) consumed_ = skipped.end_offset;
  if (!reader_->error().empty()) return fail(reader_->error());
  log::info(resumed ? "roster_sync_resumed" : "roster_sync_started",
            {{"adapter", adapter_->name()}, {"file", name_}, {"roster_sync", run_.id},
             {"bytes", static_cast<std::int64_t>(bytes)}, {"chunks_done", run_.chunks_done},
             {"rows_done", run_.rows_done}});
  started_ = last_log_ = std::chrono::steady_clock::now();
  *services_.rows_done += run_.rows_done;
  rows_this_process_ = run_.rows_done;
  send_chunk();
}

void RosterFileRun::send_chunk() {
  if (ending_ != Ending::none || read_all_ || awaiting_plan_ || in_flight_.size() >= kChunksInFlight) return;
  if (!serving_()) {
    ending_ = Ending::stop;
    return settle_if_drained();
  }
  RosterFileChunk chunk;
  if (!reader_->next(chunk)) {
    if (!reader_->error().empty()) {
      ending_ = Ending::fail;
      fail_reason_ = reader_->error();
    }
    read_all_ = true;
    return settle_if_drained();
  }
  const RosterPayload payload = roster_payload(kind_);
  auto c = std::make_shared<pipeline::RosterChunk>();
  c->run = run_;
  c->number = run_.chunks_done + static_cast<std::int64_t>(in_flight_.size());
  c->format = payload.document_format;
  c->header_size = chunk.header_size;
  c->footer_size = chunk.footer_size;
  c->rows.reserve(chunk.rows.size());
  for (const RosterRow& r : chunk.rows) c->rows.push_back({r.offset, r.size, r.line});
  const std::uint64_t token = ++last_token_;
  // Weak: the chunk lives in the pipeline's job, which must not keep the run alive.
  std::weak_ptr<RosterFileRun> weak = weak_from_this();
  c->on_planned = [weak, token] {
    if (auto self = weak.lock()) asio::post(self->strand_, [self, token] { self->planned(token); });
  };
  in_flight_.push_back(InFlight{token, static_cast<std::int64_t>(c->rows.size()), chunk.end_offset, std::nullopt});
  awaiting_plan_ = true;
  plugin_host::Inbound in;
  in.adapter = adapter_->name();
  in.transport = core::Transport::file;
  in.channel = drop_.name;
  in.file_name = name_;
  in.content_type = payload.content_type;
  in.charset = payload.charset;
  in.payload = std::move(chunk.payload);
  in.principal = sender_.principal;
  in.organisation = sender_.organisation;
  in.received_at_ms = now_ms();
  services_.ingest_chunk(adapter_, std::move(in), std::move(c),
                         [self = shared_from_this(), token](plugin_host::AckReply reply) {
                           asio::post(self->strand_, [self, token, reply = std::move(reply)]() mutable {
                             self->chunk_done(token, std::move(reply));
                           });
                         });
}

// The last chunk sent is planned: the next one can be mapped while it is written.
void RosterFileRun::planned(std::uint64_t token) {
  if (token == last_token_) awaiting_plan_ = false;
  send_chunk();
}

void RosterFileRun::chunk_done(std::uint64_t token, plugin_host::AckReply reply) {
  for (InFlight& f : in_flight_) {
    if (f.token == token) f.reply = std::move(reply);
  }
  while (!in_flight_.empty() && in_flight_.front().reply) {
    const InFlight f = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (f.token == last_token_) awaiting_plan_ = false;
    if (ending_ != Ending::none) continue;  // after a chunk that did not commit, none after it did
    switch (f.reply->outcome) {
      case KQ_OUTCOME_COMMITTED:
      case KQ_OUTCOME_CONTENT_ERROR:  // every row of the chunk rejected: listed in the report
      case KQ_OUTCOME_DUPLICATE:
        break;
      case KQ_OUTCOME_TRANSIENT:  // not stored: start again from the store's watermark
        ending_ = Ending::rewind;
        continue;
      default:
        ending_ = Ending::fail;
        fail_reason_ = "chunk " + std::to_string(run_.chunks_done + 1) + " was refused: " + f.reply->body;
        continue;
    }
    ++run_.chunks_done;
    run_.rows_done += f.rows;
    rows_this_process_ += f.rows;
    *services_.rows_done += f.rows;
    consumed_ = f.end_offset;
    report_progress(false);
  }
  if (ending_ != Ending::none || read_all_) return settle_if_drained();
  send_chunk();
}

// Once no chunk is in flight: finish the run, or end it the way a failure asked for.
void RosterFileRun::settle_if_drained() {
  if (!in_flight_.empty()) return;
  switch (ending_) {
    case Ending::none:
      if (read_all_) finish_run();
      return;
    case Ending::rewind:
      // Like a run resumed after a crash: the committed chunks are read past, the rest sent again.
      *services_.rows_done -= rows_this_process_;
      rows_this_process_ = 0;
      return later(std::chrono::duration_cast<std::chrono::milliseconds>(kRetryPause),
                   [self = shared_from_this()] { self->open(); });
    case Ending::fail:
      return fail(fail_reason_);
    case Ending::stop:
      return stop();
  }
}

void RosterFileRun::report_progress(bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double read = static_cast<double>(std::max<std::uint64_t>(consumed_, 1));
  const double total = static_cast<double>(reader_ ? reader_->total_bytes() : run_.file_bytes);
  const auto estimate = static_cast<std::int64_t>(static_cast<double>(run_.rows_done) * total / read);
  *services_.rows_estimated = estimate;
  if (!final && now - last_log_ < kProgressEvery) return;
  last_log_ = now;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(run_.rows_done) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(std::max<std::int64_t>(estimate - run_.rows_done, 0)) / rate : 0.0;
  log::info("roster_sync_progress", {{"adapter", adapter_->name()}, {"file", name_}, {"roster_sync", run_.id},
                                     {"rows_done", run_.rows_done}, {"rows_total_estimate", estimate},
                                     {"rows_per_second", static_cast<std::int64_t>(rate)},
                                     {"eta_seconds", static_cast<std::int64_t>(eta)}});
}

void RosterFileRun::finish_run() {
  services_.finish(run_, [self = shared_from_this()](store::WriteResult result) {
    asio::post(self->strand_, [self, result = std::move(result)] {
      if (!result.ok()) {
        log::error("roster_sync_finish_failed", {{"adapter", self->adapter_->name()}, {"error", result.error}});
        return self->later(std::chrono::duration_cast<std::chrono::milliseconds>(kRetryPause),
                            [self] { if (!self->stop_if_not_serving()) self->finish_run(); });
      }
      std::string report;
      try {
        auto reader = self->services_.reader();
        const std::optional<store::RosterSyncRun> run = reader->roster_sync(self->run_.id);
        const store::RosterSyncRun& r = run ? *run : self->run_;
        report = pipeline::roster_report_json(r, reader->roster_rejects(r.id, kReportRejects), r.counts.rejected);
        const std::string& a = self->adapter_->name();
        if (self->services_.students != nullptr) {
          for (const auto& [kind, n] : {std::pair{"new", r.counts.added}, {"changed", r.counts.changed},
                                        {"transferred", r.counts.transferred}, {"unchanged", r.counts.unchanged},
                                        {"left", r.counts.left}, {"graduated", r.counts.graduated},
                                        {"rejected", r.counts.rejected}}) {
            if (n > 0) self->services_.students->inc({a, kind}, static_cast<std::uint64_t>(n));
          }
        }
        log::info("roster_sync_finished",
                  {{"adapter", a}, {"file", self->name_}, {"roster_sync", r.id}, {"rows", r.rows_done},
                   {"new", r.counts.added}, {"changed", r.counts.changed}, {"transferred", r.counts.transferred},
                   {"unchanged", r.counts.unchanged}, {"left", r.counts.left}, {"graduated", r.counts.graduated},
                   {"rejected", r.counts.rejected}});
      } catch (const std::exception& e) {
        report = failure_receipt(std::string("finished, but the report could not be read: ") + e.what());
      }
      self->report_progress(true);
      if (self->services_.runs != nullptr) self->services_.runs->inc({self->adapter_->name(), "finished"});
      *self->services_.rows_done -= self->rows_this_process_;
      *self->services_.rows_estimated = 0;
      self->done_(RosterFileResult{true, false, std::move(report)});
    });
  });
}

}  // namespace kq::runtime
