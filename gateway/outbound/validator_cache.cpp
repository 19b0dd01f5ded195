#include "gateway/outbound/validator_cache.hpp"

#include <map>
#include <mutex>

namespace kq::outbound {

namespace {

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, Validators, std::less<>>& cache() {
  static std::map<std::string, Validators, std::less<>> c;
  return c;
}

}  // namespace

std::string validator_key(const std::string& adapter, const HttpsSource& source) {
  return adapter + '\x1f' + source.name + '\x1f' + source.url;
}

Validators remembered_validators(const std::string& key) {
  std::lock_guard lock(cache_mutex());
  const auto it = cache().find(key);
  return it != cache().end() ? it->second : Validators{};
}

void remember_validators(const std::string& key, const Validators& validators) {
  std::lock_guard lock(cache_mutex());
  if (validators.empty()) {
    cache().erase(key);
  } else {
    cache()[key] = validators;
  }
}

}  // namespace kq::outbound
