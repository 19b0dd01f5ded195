#include "gateway/pull/bulk_export.hpp"

#include <fstream>
#include <future>
#include <span>

#include <boost/asio/post.hpp>

#include "gateway/core/uuid.hpp"
#include "gateway/log/log.hpp"
#include "gateway/pull/disclosure.hpp"

namespace kq::pull {

namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Commits an audit batch and waits for the verdict (the export runs on the blocking pool).
bool commit_audit(store::Store& store, std::vector<store::AuditEntry> entries, std::string& error) {
  store::WriteBatch batch;
  batch.audit = std::move(entries);
  std::promise<store::WriteResult> written;
  std::future<store::WriteResult> result = written.get_future();
  store.submit(std::move(batch), [&written](store::WriteResult r) { written.set_value(std::move(r)); });
  const store::WriteResult r = result.get();
  if (r.status == store::WriteStatus::committed) return true;
  error = r.error.empty() ? std::string(store::to_string(r.status)) : r.error;
  return false;
}

// The NDJSON files of one job, one series per resource type, each file at most `per_file` lines.
class FileSet {
 public:
  FileSet(fs::path folder, std::size_t per_file) : folder_(std::move(folder)), per_file_(per_file) {}

  void write(const FhirResource& resource) {
    Series& s = series_[resource.type];
    if (!s.out.is_open() || s.files.back().count >= per_file_) {
      if (s.out.is_open()) s.out.close();
      ExportFile file{resource.type, resource.type + "-" + std::to_string(s.files.size() + 1) + ".ndjson", 0};
      s.out.open(folder_ / file.name, std::ios::binary | std::ios::trunc);
      if (!s.out) throw std::runtime_error("cannot create export file " + (folder_ / file.name).string());
      s.files.push_back(std::move(file));
    }
    s.out << resource.json << '\n';
    ++s.files.back().count;
  }

  // Flushes and closes every file; throws when one could not be written completely.
  std::vector<ExportFile> close() {
    std::vector<ExportFile> out;
    for (auto& [type, s] : series_) {
      s.out.close();
      if (s.out.fail()) throw std::runtime_error("cannot write the " + type + " export files");
      out.insert(out.end(), s.files.begin(), s.files.end());
    }
    return out;
  }

 private:
  struct Series {
    std::ofstream out;
    std::vector<ExportFile> files;
  };
  fs::path folder_;
  std::size_t per_file_;
  std::map<std::string, Series> series_;
};

}  // namespace

ExportJobs::ExportJobs(Settings settings, std::function<store::Store*()> store, PolicySource policy,
                       FhirConverter convert)
    : settings_(std::move(settings)),
      store_(std::move(store)),
      policy_(std::move(policy)),
      convert_(std::move(convert)) {
  std::error_code ec;
  fs::remove_all(settings_.directory, ec);
  fs::create_directories(settings_.directory, ec);
  if (ec) throw std::runtime_error("cannot create the export folder " + settings_.directory.string() + ": " + ec.message());
  fs::permissions(settings_.directory, fs::perms::owner_all, ec);
}

ExportJobs::~ExportJobs() { stop(); }

void ExportJobs::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, job] : jobs_) job->cancelled = true;
  }
  pool_.join();
}

bool ExportJobs::expired(const Job& job) const {
  return std::chrono::steady_clock::now() - job.started > settings_.retention;
}

std::shared_ptr<ExportJobs::Job> ExportJobs::find(const std::string& principal, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->principal != principal || expired(*it->second)) return nullptr;
  return it->second;
}

std::optional<std::string> ExportJobs::start(const std::string& principal, ExportRequest request) {
  sweep();
  std::lock_guard lock(mutex_);
  std::size_t active = 0;
  for (const auto& [id, job] : jobs_) {
    std::lock_guard job_lock(job->mutex);
    if (job->status.state != ExportStatus::State::running) continue;
    if (job->principal == principal || ++active >= settings_.max_jobs) return std::nullopt;
  }
  const std::string id = core::new_uuid();  // unguessable: the status URL names it
  auto job = std::make_shared<Job>();
  job->principal = principal;
  job->started = std::chrono::steady_clock::now();
  job->status.transaction_ms = now_ms();
  job->status.request = std::move(request);
  jobs_.emplace(id, job);
  boost::asio::post(pool_, [this, job, id] { run(job, id); });
  return id;
}

std::optional<ExportStatus> ExportJobs::status(const std::string& principal, const std::string& id) const {
  const std::shared_ptr<Job> job = find(principal, id);
  if (!job) return std::nullopt;
  std::lock_guard job_lock(job->mutex);
  return job->status;
}

bool ExportJobs::cancel(const std::string& principal, const std::string& id) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->principal != principal) return false;
    job = it->second;
    jobs_.erase(it);
  }
  job->cancelled = true;
  // A running job removes its own folder when it sees the flag (run() looks under the job's lock);
  // a finished one is removed here.
  std::lock_guard job_lock(job->mutex);
  if (job->status.state != ExportStatus::State::running) {
    std::error_code ec;
    fs::remove_all(settings_.directory / id, ec);
  }
  return true;
}

std::optional<fs::path> ExportJobs::file(const std::string& principal, const std::string& id,
                                         const std::string& name) const {
  const std::optional<ExportStatus> s = status(principal, id);
  if (!s || s->state != ExportStatus::State::done) return std::nullopt;
  for (const ExportFile& f : s->files) {
    if (f.name == name) return settings_.directory / id / f.name;
  }
  return std::nullopt;
}

void ExportJobs::sweep() {
  std::vector<std::pair<std::string, std::string>> expired_jobs;  // principal, id
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, job] : jobs_) {
      if (expired(*job)) expired_jobs.emplace_back(job->principal, id);
    }
  }
  for (const auto& [principal, id] : expired_jobs) {
    cancel(principal, id);
    log::info("bulk_export_expired", {{"job", id}});
  }
}

void ExportJobs::run(std::shared_ptr<Job> job, std::string id) {
  const fs::path folder = settings_.directory / id;
  // The caller learns that it failed; the log says why (paths and store errors stay inside).
  auto fail = [&](const std::string& why, std::string told = "the export failed; the gateway's log names the cause") {
    log::warn("bulk_export_failed", {{"job", id}, {"error", why}});
    std::error_code ec;
    fs::remove_all(folder, ec);
    std::lock_guard lock(job->mutex);
    job->status.state = ExportStatus::State::failed;
    job->status.error = std::move(told) + " (job " + id + ")";
  };
  store::Store* store = store_();
  if (store == nullptr) return fail("the store is not open");
  const ExportRequest& request = job->status.request;  // immutable once the job runs
  try {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return fail("cannot create " + folder.string() + ": " + ec.message());
    FileSet files(folder, settings_.lines_per_file);
    store::RecordQuery query;
    query.kinds = request.kinds;
    query.written_from_ms = request.since_ms;
    query.limit = settings_.chunk;
    std::int64_t end = 0;
    {
      std::unique_ptr<store::Reader> reader = store->reader();
      end = reader->last_seq();
    }
    {
      std::lock_guard lock(job->mutex);
      job->status.scan_end = end;
    }
    std::size_t exported = 0;
    const std::string audit_query = "$export job " + id;
    while (!job->cancelled && !stopping_) {
      std::vector<store::StoredRecord> rows;
      Disclosure disclosure;
      // Decided under the policy in force now: a reload that took the purpose or the role away
      // stops the export.
      auto opened = policy_()->open(request.request.requester.principal, request.request.purpose, now_ms());
      if (auto* refusal = std::get_if<consent::Refusal>(&opened)) {
        return fail(refusal->message, "the export stopped: " + refusal->message);
      }
      const consent::Request& decision_request = std::get<consent::Request>(opened);
      {
        // A reader per chunk: the export must not pin one snapshot (and the WAL) for its whole run.
        std::unique_ptr<store::Reader> reader = store->reader();
        rows = reader->current_records(query);
        // Only what existed when the export started: its transaction time is its promise.
        std::erase_if(rows, [end](const store::StoredRecord& r) { return r.seq > end; });
        if (rows.empty()) break;
        DisclosureBuilder builder(decision_request, "bulk-export", audit_query);
        builder.offer(*reader, std::span(rows), rows.size());
        disclosure = builder.finish();
      }
      std::string error;
      if (!commit_audit(*store, std::move(disclosure.audit), error)) {
        return fail("the audit entries could not be written, so the export stopped: " + error);
      }
      for (const store::StoredRecord& record : disclosure.records) {
        if (auto resource = convert_(record)) {
          files.write(*resource);
          ++exported;
        }
      }
      query.after_seq = rows.back().seq;
      std::lock_guard lock(job->mutex);
      job->status.scanned_to = query.after_seq;
      job->status.exported = exported;
    }
    std::vector<ExportFile> written = files.close();
    std::unique_lock lock(job->mutex);
    // Looked at under the job's lock, so that a cancel either sees "done" and removes the files
    // itself, or is seen here.
    if (job->cancelled || stopping_) {
      lock.unlock();
      fs::remove_all(folder, ec);
      return;
    }
    job->status.files = std::move(written);
    job->status.exported = exported;
    job->status.scanned_to = end;
    job->status.state = ExportStatus::State::done;
    log::info("bulk_export_done", {{"job", id}, {"resources", exported}});
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

}  // namespace kq::pull
