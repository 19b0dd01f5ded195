#include "mllp_load.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <semaphore>
#include <sstream>
#include <thread>
#include <utility>

#include "bench_support.hpp"

namespace kq::bench {
namespace {

std::string read_hl7(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) die("cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  std::string out;
  for (char c : text.str()) {
    if (c == '\n') {
      if (out.empty() || out.back() != '\r') out.push_back('\r');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Beijing districts: enough areas for a pool of distinct, valid identity numbers.
constexpr const char* kAreas[] = {"110101", "110102", "110105", "110106", "110107", "110108",
                                  "110109", "110111", "110112", "110113", "110114", "110115",
                                  "110116", "110117", "110118", "110119"};
constexpr unsigned kPatientsPerKind = 8000;

struct Template {
  std::string_view control_id, mrn, national_id, birth_date;
  bool male;
};
// The values in tests/fixtures/hl7v2/{adt_a01,oru_r01_local_codes}.hl7 that make a message unique.
constexpr Template kAdt{"HIS20240912000001", "00012345", "11010519491231002X", "19491231", false};
constexpr Template kOru{"LIS20240915010044", "00020877", "110108201105062033", "20110506", true};

std::string personalise(std::string text, const Template& t, const std::string& control_id,
                        unsigned patient, unsigned mrn_base) {
  const unsigned sequence = 2 * ((patient / 16) % 500) + (t.male ? 1 : 0);
  char mrn[16];
  std::snprintf(mrn, sizeof mrn, "%08u", mrn_base + patient);
  replace_all(text, t.control_id, control_id);
  replace_all(text, t.national_id,
              national_id(kAreas[patient % 16], std::string(t.birth_date), sequence));
  replace_all(text, t.mrn, mrn);
  return text;
}


// Reads one framed reply into `reply` (without VT/FS/CR). False when the connection closed.
bool read_frame(int fd, std::string& buffer, std::string& reply) {
  for (;;) {
    std::size_t end = buffer.find("\x1c\r");
    if (end != std::string::npos) {
      std::size_t start = buffer.find('\x0b');
      start = start == std::string::npos || start > end ? 0 : start + 1;
      reply.assign(buffer, start, end - start);
      buffer.erase(0, end + 2);
      return true;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

bool positive_ack(std::string_view reply) {
  std::size_t msa = reply.find("MSA|");
  if (msa == std::string_view::npos) return false;
  std::string_view code = reply.substr(msa + 4, 2);
  return code == "AA" || code == "CA";
}

// [from, to): the part of a level that counts, after `warmup` seconds from now.
std::pair<Clock::time_point, Clock::time_point> measured_window(double warmup, double seconds) {
  auto after = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point from = Clock::now() + after(warmup);
  return {from, from + after(seconds)};
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// The per-sender samples, merged into one LoadResult restricted to the measured window.
struct Sample {
  Clock::time_point done;
  double latency_us;
};

LoadResult collect(const std::vector<std::vector<Sample>>& per_sender,
                   const std::vector<std::size_t>& negatives, Clock::time_point from,
                   Clock::time_point to) {
  LoadResult result;
  result.seconds = std::chrono::duration<double>(to - from).count();
  for (const auto& samples : per_sender) {
    result.total += samples.size();
    for (const auto& s : samples) {
      if (s.done < from || s.done > to) continue;
      ++result.messages;
      result.latencies_us.push_back(s.latency_us);
    }
  }
  for (std::size_t n : negatives) result.negative += n;
  return result;
}

}  // namespace

int connect_loopback(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    die("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string national_id(const std::string& area, const std::string& birth_date,
                        unsigned sequence) {
  char body[18];
  std::snprintf(body, sizeof body, "%s%s%03u", area.c_str(), birth_date.c_str(), sequence % 1000);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

MessageFactory::MessageFactory(const std::filesystem::path& fixtures)
    : adt_(read_hl7(fixtures / "adt_a01.hl7")), oru_(read_hl7(fixtures / "oru_r01_local_codes.hl7")) {
  for (const auto* t : {&kAdt, &kOru}) {
    const std::string& text = t == &kAdt ? adt_ : oru_;
    if (text.find(t->control_id) == std::string::npos ||
        text.find(t->national_id) == std::string::npos || text.find(t->mrn) == std::string::npos) {
      die("the fixtures in " + fixtures.string() + " no longer hold the values the bench replaces");
    }
  }
}

std::string MessageFactory::make(unsigned run, unsigned sender, std::uint64_t n) const {
  char control_id[40];
  std::snprintf(control_id, sizeof control_id, "B%u%03u%010llu", run, sender,
                static_cast<unsigned long long>(n));
  const unsigned patient = static_cast<unsigned>((sender * 7919ULL + n) % kPatientsPerKind);
  return n % 2 == 0 ? personalise(adt_, kAdt, control_id, patient, 10000000)
                    : personalise(oru_, kOru, control_id, patient, 20000000);
}

GatewayProcess::GatewayProcess(const std::filesystem::path& binary,
                               const std::filesystem::path& config,
                               const std::filesystem::path& log, const std::string& wrap)
    : log_(log) {
  pid_ = ::fork();
  if (pid_ < 0) die("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    if (!wrap.empty()) {
      // exec replaces the shell, so the pid stays the wrapper's (and the gateway's under it).
      const std::string command =
          "exec " + wrap + " '" + binary.string() + "' run --config '" + config.string() + "'";
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    } else {
      ::execl(binary.c_str(), "kangqiao", "run", "--config", config.c_str(),
              static_cast<char*>(nullptr));
    }
    std::perror("exec kangqiao");
    ::_exit(127);
  }
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) stop(std::chrono::seconds(10));
}

void GatewayProcess::wait_ready(unsigned short port, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream in(log_);
      std::stringstream text;
      text << in.rdbuf();
      die("the gateway exited during start-up:\n" + text.str());
    }
    int fd = connect_loopback(port);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  die("the gateway did not listen on port " + std::to_string(port) + " in time");
}

std::size_t GatewayProcess::status_field_kib(const char* field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  const std::size_t len = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, len, field) == 0) return std::stoul(line.substr(len + 1));
  }
  return 0;
}

double GatewayProcess::cpu_seconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t GatewayProcess::rss_kib() const { return status_field_kib("VmRSS"); }
std::size_t GatewayProcess::peak_rss_kib() const { return status_field_kib("VmHWM"); }

int GatewayProcess::stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + grace;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return status;
}

LoadResult drive_mllp(unsigned short port, unsigned connections, double warmup, double seconds,
                      const MessageFactory& messages, unsigned run) {
  const auto [from, to] = measured_window(warmup, seconds);
  std::vector<std::vector<Sample>> samples(connections);
  std::vector<std::size_t> negatives(connections, 0);
  std::vector<std::thread> senders;
  std::atomic<bool> failed{false};
  for (unsigned c = 0; c < connections; ++c) {
    senders.emplace_back([&, c] {
      int fd = connect_loopback(port);
      if (fd < 0) {
        failed = true;
        return;
      }
      std::string buffer, reply;
      for (std::uint64_t n = 0; Clock::now() < to; ++n) {
        std::string frame = "\x0b" + messages.make(run, c, n) + "\x1c\r";
        const auto sent = Clock::now();
        if (!send_all(fd, frame) || !read_frame(fd, buffer, reply)) {
          failed = true;
          break;
        }
        const auto done = Clock::now();
        if (!positive_ack(reply)) {
          if (negatives[c]++ == 0 && c == 0) {
            std::fprintf(stderr, "negative ACK: %s\n", reply.c_str());
          }
          continue;
        }
        samples[c].push_back({done, micros(done - sent)});
      }
      ::close(fd);
    });
  }
  for (auto& t : senders) t.join();
  if (failed) die("an MLLP connection failed (see the gateway log)");
  return collect(samples, negatives, from, to);
}

LoadResult drive_raw_sqlite(const std::filesystem::path& db_path, unsigned connections,
                            double warmup, double seconds, const MessageFactory& messages,
                            unsigned run) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) die("cannot open " + db_path.string());
  exec_or_die(db, kStorePragmas);
  exec_or_die(db,
              "CREATE TABLE IF NOT EXISTS raw_message (key TEXT PRIMARY KEY, payload BLOB NOT "
              "NULL, received_at_ms INTEGER NOT NULL)");

  struct Pending {
    std::string key, payload;
    std::binary_semaphore committed{0};
  };
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<Pending*> queue;
  bool stopping = false;

  std::thread writer([&] {
    Statement insert(db, "INSERT INTO raw_message (key, payload, received_at_ms) VALUES (?1, ?2, ?3)");
    std::vector<Pending*> group;
    for (;;) {
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        group.swap(queue);
      }
      exec_or_die(db, "BEGIN IMMEDIATE");
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      for (Pending* p : group) {
        insert.bind(1, p->key).bind_blob(2, p->payload).bind(3, std::int64_t{now}).step(db);
      }
      exec_or_die(db, "COMMIT");
      for (Pending* p : group) p->committed.release();
      group.clear();
    }
  });

  const auto [from, to] = measured_window(warmup, seconds);
  std::vector<std::vector<Sample>> samples(connections);
  std::vector<std::size_t> negatives(connections, 0);
  std::vector<std::thread> senders;
  for (unsigned c = 0; c < connections; ++c) {
    senders.emplace_back([&, c] {
      Pending p;
      for (std::uint64_t n = 0; Clock::now() < to; ++n) {
        p.payload = messages.make(run, c, n);
        p.key = "r" + std::to_string(run) + "-" + std::to_string(c) + "-" + std::to_string(n);
        const auto sent = Clock::now();
        {
          std::lock_guard lock(mutex);
          queue.push_back(&p);
        }
        wake.notify_one();
        p.committed.acquire();
        const auto done = Clock::now();
        samples[c].push_back({done, micros(done - sent)});
      }
    });
  }
  for (auto& t : senders) t.join();
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  wake.notify_one();
  writer.join();
  sqlite3_close(db);
  return collect(samples, negatives, from, to);
}

}  // namespace kq::bench
