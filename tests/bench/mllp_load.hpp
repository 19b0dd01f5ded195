#pragma once
// Load generation for the MLLP ingest benchmark: unique 1 KB ADT^A01 / ORU^R01 messages made from
// the test fixtures, the real gateway as a child process, and closed-loop senders (each sends its
// next message only after the ACK of the previous one, as HIS interface engines do).
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kq::bench {

using Clock = std::chrono::steady_clock;

// Per-level figures: what arrived inside the measured window and how long each took.
struct LoadResult {
  double seconds = 0;
  std::size_t messages = 0;  // positive ACKs (or baseline commits) inside the window
  std::size_t negative = 0;  // anything but AA/CA: must stay 0
  std::size_t total = 0;     // positive ACKs including the warm-up, for CPU per message
  double server_cpu_seconds = 0;  // the gateway's CPU time over the whole level (warm-up too)
  std::vector<double> latencies_us;

  double cpu_us_per_message() const {
    return total > 0 ? server_cpu_seconds * 1e6 / static_cast<double>(total) : 0;
  }

  double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
};

// Unique, valid messages: each one gets its own control id (MSH-10); patients come from a pool of
// 16,000 with valid GB 11643 national ids (check digit, birth date and sex matching PID-7/PID-8),
// so the identity index sees returning patients, never conflicting ones.
class MessageFactory {
 public:
  explicit MessageFactory(const std::filesystem::path& fixtures);
  // Message `n` of sender `sender` in run `run`; ADT and ORU alternate.
  std::string make(unsigned run, unsigned sender, std::uint64_t n) const;
  std::size_t typical_size() const { return (adt_.size() + oru_.size()) / 2; }

 private:
  std::string adt_, oru_;
};

// Loopback plumbing shared by the benchmarks that drive the real binary.
int connect_loopback(unsigned short port);  // -1 when nobody listens; TCP_NODELAY set
bool send_all(int fd, std::string_view bytes);
unsigned short free_port();  // a port nobody listens on right now

// A national identity number with its check digit: 6-digit area, birth date, 3-digit sequence.
std::string national_id(const std::string& area, const std::string& birth_date, unsigned sequence);

class GatewayProcess {
 public:
  // `wrap`, when not empty, is a command line the binary runs under (a profiler).
  GatewayProcess(const std::filesystem::path& binary, const std::filesystem::path& config,
                 const std::filesystem::path& log, const std::string& wrap = {});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Waits until the port accepts connections; dies with the log's tail if the child exits.
  void wait_ready(unsigned short port, std::chrono::seconds timeout);
  // Resident set now and at its peak (VmRSS / VmHWM), in KiB.
  std::size_t rss_kib() const;
  std::size_t peak_rss_kib() const;
  // User + system CPU time the gateway has used so far, in seconds.
  double cpu_seconds() const;
  // SIGTERM, then wait (SIGKILL after `grace`). Returns the exit status as waitpid reports it.
  int stop(std::chrono::seconds grace);

 private:
  std::size_t status_field_kib(const char* field) const;
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// `connections` closed-loop MLLP senders for warmup + seconds; only the window after the warmup
// is counted.
LoadResult drive_mllp(unsigned short port, unsigned connections, double warmup, double seconds,
                      const MessageFactory& messages, unsigned run);

// The same senders against the least a durable store can do: one writer thread that takes every
// waiting message, inserts it into a raw SQLite table (WAL, synchronous=FULL, the store's pragmas)
// and commits the group; each sender waits for its commit like it waits for an ACK.
LoadResult drive_raw_sqlite(const std::filesystem::path& db, unsigned connections, double warmup,
                            double seconds, const MessageFactory& messages, unsigned run);

}  // namespace kq::bench
