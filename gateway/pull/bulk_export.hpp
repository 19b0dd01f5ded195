#pragma once
// Bulk export in the pattern of the FHIR Bulk Data Access specification (system-level
// `$export`): the kick-off answers 202 with a status URL at once, the export runs in the
// background, the status URL reports progress and finally a manifest of NDJSON files, and DELETE
// cancels. The export is decided and audited exactly like the changes feed: each chunk of records
// goes through DisclosureBuilder and its audit entries are committed before any of it is written
// to a file the requester can fetch; if they cannot be committed, the export stops with an error.
//
// Jobs live in memory: a restart forgets them (their status URLs answer 404) and removes their
// files, so an interrupted export is started again. Files expire with their job (`retention`):
// sweep() removes them, and an expired job is gone for status and downloads at once.
//
// Jobs run one at a time on a thread of their own, so that exports never hold up ingest or the
// other API requests, and each chunk is decided under the policy in force when it is read (a
// reload that takes a purpose or a role away stops a running export). The files are decided again
// when they are downloaded (fhir_export_api.cpp): a withdrawal between the export and the
// download is honoured.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "gateway/consent/policy.hpp"
#include "gateway/store/store.hpp"

namespace kq::pull {

// A record as a FHIR resource: its type and its JSON text; nothing for a kind with no FHIR form.
struct FhirResource {
  std::string type;
  std::string json;
};
using FhirConverter = std::function<std::optional<FhirResource>(const store::StoredRecord&)>;

struct ExportRequest {
  consent::Request request;       // opened at kick-off: the purpose and the requester
  std::vector<std::string> types;  // FHIR resource types; all supported ones when empty
  std::vector<std::string> kinds;  // the record kinds behind them
  std::int64_t since_ms = 0;       // _since: only records written at or after it; 0: all
  std::string request_url;         // the kick-off URL, for the manifest
  std::string base_url;            // "https://host:port", for the file URLs
};

struct ExportFile {
  std::string type;
  std::string name;  // "Observation-1.ndjson"
  std::size_t count = 0;
};

struct ExportStatus {
  enum class State { running, done, failed } state = State::running;
  std::int64_t scanned_to = 0;  // the change sequence reached
  std::int64_t scan_end = 0;    // the last change when the export started
  std::size_t exported = 0;
  std::int64_t transaction_ms = 0;  // when the export started: nothing written later is in it
  std::vector<ExportFile> files;
  std::string error;
  ExportRequest request;
};

class ExportJobs {
 public:
  struct Settings {
    std::filesystem::path directory;  // one folder per job below it
    std::size_t chunk = 1000;
    // A file is read into memory when it is downloaded: keep files small enough for that.
    std::size_t lines_per_file = 10'000;
    std::chrono::hours retention{24};
    std::size_t max_jobs = 4;  // running or waiting, of all principals together
  };
  using PolicySource = std::function<std::shared_ptr<const consent::Policy>()>;

  // Empties `settings.directory` (what is there belongs to jobs a restart forgot).
  ExportJobs(Settings settings, std::function<store::Store*()> store, PolicySource policy, FhirConverter convert);
  ~ExportJobs();

  // Stops running jobs at their next chunk and waits for the export thread (shutdown).
  void stop();
  // Removes the jobs, and their files, older than the retention.
  void sweep();

  // Starts a job for `principal`; its id. Nothing when the principal already has one running or
  // waiting, or when `max_jobs` are.
  std::optional<std::string> start(const std::string& principal, ExportRequest request);
  // The job's status, when it exists and belongs to `principal` (others get nothing, as if it
  // did not exist).
  std::optional<ExportStatus> status(const std::string& principal, const std::string& job) const;
  // Cancels the job and removes its files; false when there is no such job of the principal's.
  bool cancel(const std::string& principal, const std::string& job);
  // The path of one of a finished job's files, when it is the principal's.
  std::optional<std::filesystem::path> file(const std::string& principal, const std::string& job,
                                            const std::string& name) const;

 private:
  struct Job {
    std::string principal;
    std::chrono::steady_clock::time_point started;
    std::atomic<bool> cancelled{false};
    mutable std::mutex mutex;  // guards status
    ExportStatus status;
  };

  void run(std::shared_ptr<Job> job, std::string id);
  // The job, when it exists, is `principal`'s and has not expired.
  std::shared_ptr<Job> find(const std::string& principal, const std::string& id) const;
  bool expired(const Job& job) const;

  Settings settings_;
  std::function<store::Store*()> store_;
  PolicySource policy_;
  FhirConverter convert_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  boost::asio::thread_pool pool_{1};  // last: joined before the members it uses go
};

}  // namespace kq::pull
