#include "gateway/core/text_util.hpp"

#include <algorithm>
#include <charconv>

namespace kq::core {

// Both build their result in one buffer of the right size: the JSON reader names the path of
// every nested object and list entry it reads, so these run for every record decoded.
std::string join_path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out;
  out.reserve(base.size() + 1 + key.size());
  out.append(base);
  out += '.';
  out.append(key);
  return out;
}

std::string index_path(std::string_view base, std::size_t index) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  std::string out;
  out.reserve(base.size() + 2 + static_cast<std::size_t>(end - digits));
  out.append(base);
  out += '[';
  out.append(digits, end);
  out += ']';
  return out;
}

namespace {

// Levenshtein distance with one row of the table.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view closest_match(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace kq::core
