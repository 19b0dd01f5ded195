#include "gateway/store/sqlite_health.hpp"

#include <sys/statvfs.h>

#include <cstdio>

#include "gateway/log/log.hpp"

namespace kq::store::sqlite {

namespace {

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (1ULL << 30)) {
    std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1ULL << 30));
  } else {
    std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1ULL << 20));
  }
  return text;
}

HealthState::HealthState(std::filesystem::path path, std::uint64_t min_free_bytes)
    : path_(std::move(path)), min_free_bytes_(min_free_bytes) {}

bool HealthState::check_space() {
  struct statvfs fs {};
  // The database file's own file system; before the file exists, its folder's.
  const std::filesystem::path& where = std::filesystem::exists(path_) ? path_ : path_.parent_path();
  if (::statvfs(where.c_str(), &fs) != 0) return !space_low_;  // unknown: keep the last verdict
  const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  free_bytes_.store(free, std::memory_order_relaxed);
  const bool low = min_free_bytes_ > 0 && free < min_free_bytes_;
  if (low != space_low_.exchange(low)) {
    if (low) {
      log::error("store_space_low", {{"path", path_.string()},
                                     {"free_bytes", static_cast<std::int64_t>(free)},
                                     {"reserve_bytes", static_cast<std::int64_t>(min_free_bytes_)}});
    } else {
      log::info("store_space_recovered", {{"path", path_.string()},
                                          {"free_bytes", static_cast<std::int64_t>(free)}});
    }
  }
  return !low;
}

std::string HealthState::space_error() const {
  return "only " + human_bytes(free_bytes()) + " free for " + path_.string() +
         ", below the reserve of " + human_bytes(min_free_bytes_) + " (store.min_free_space)";
}

void HealthState::transaction_succeeded() {
  std::lock_guard lock(mutex_);
  if (!last_transaction_ok_) log::info("store_writable_again", {{"path", path_.string()}});
  last_transaction_ok_ = true;
}

void HealthState::transaction_failed(const std::string& error) {
  std::lock_guard lock(mutex_);
  last_transaction_ok_ = false;
  last_error_ = error;
  last_error_at_ms_ = wall_clock_ms();
}

bool HealthState::last_transaction_ok() const {
  std::lock_guard lock(mutex_);
  return last_transaction_ok_;
}

void HealthState::stop_accepting() {
  std::lock_guard lock(mutex_);
  accepting_ = false;
}

Health HealthState::health() const {
  Health h;
  std::lock_guard lock(mutex_);
  h.writable = accepting_ && last_transaction_ok_ && !space_low();
  h.last_error = space_low() ? space_error() : last_error_;
  h.last_error_at_ms = last_error_at_ms_;
  if (!accepting_ && h.last_error.empty()) h.last_error = "store is shut down";
  return h;
}

}  // namespace kq::store::sqlite
