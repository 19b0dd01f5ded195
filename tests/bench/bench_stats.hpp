#pragma once
// Percentiles and medians of benchmark figures, shared by every benchmark here.
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace kq::bench {

// The value at fraction `p` (0..1) of the sorted values, rounding to the nearest rank; 0 if empty.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

inline double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

}  // namespace kq::bench
