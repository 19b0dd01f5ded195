#pragma once
// Bulk export in the pattern of the FHIR Bulk Data Access specification (system-level
// `$export`): the kick-off answers 202 with a status URL at once, the export runs in the
// background, the status URL reports progress and finally a manifest of NDJSON files, and DELETE
// cancels. The export is decided and audited exactly like the changes feed: each chunk of records
// goes through DisclosureBuilder and its audit entries are committed before any of it is written
// to a file the requester can fetch; if they cannot be committed, the export stops with an error.
//
// Jobs live in memory: a restart forgets them (their status URLs answer 404) and removes their
// files, so an interrupted export is started again. Files expire with their job (`retention`).
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
    std::size_t lines_per_file = 50'000;
    std::chrono::hours retention{24};
  };

  // Empties `settings.directory` (what is there belongs to jobs a restart forgot).
  ExportJobs(Settings settings, std::function<store::Store*()> store, FhirConverter convert,
             boost::asio::thread_pool& pool);
  ~ExportJobs();

  // Stops running jobs at their next chunk (shutdown: before the pool is joined).
  void stop();

  // Starts a job for `principal`; its id. Nothing when the principal already runs one.
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
  void expire_old();

  Settings settings_;
  std::function<store::Store*()> store_;
  FhirConverter convert_;
  boost::asio::thread_pool& pool_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
};

}  // namespace kq::pull
