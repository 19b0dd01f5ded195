#include "gateway/metrics/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace kq::metrics {
namespace {

// Label values are escaped as the exposition format asks: backslash, quote and newline.
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string label_text(const std::vector<std::string>& names, const Labels& values,
                       const std::string& extra = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!out.empty()) out += ",";
    out += names[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!out.empty()) out += ",";
    out += extra;
  }
  return out.empty() ? out : "{" + out + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(const Labels& labels, std::uint64_t by) {
  std::lock_guard lock(mutex_);
  values_[labels] += by;
}

std::uint64_t CounterFamily::value(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  header(out, name_, help_, "counter");
  for (const auto& [labels, v] : values_) {
    out += name_ + label_text(label_names_, labels) + " " + std::to_string(v) + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::observe(const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  Series& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) ++s.buckets[i];
  }
  s.sum += value;
  ++s.count;
}

std::uint64_t HistogramFamily::count(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  header(out, name_, help_, "histogram");
  for (const auto& [labels, s] : series_) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      out += name_ + "_bucket" + label_text(label_names_, labels, "le=\"" + number(bounds_[i]) + "\"") +
             " " + std::to_string(s.buckets[i]) + "\n";
    }
    out += name_ + "_bucket" + label_text(label_names_, labels, "le=\"+Inf\"") + " " +
           std::to_string(s.count) + "\n";
    out += name_ + "_sum" + label_text(label_names_, labels) + " " + number(s.sum) + "\n";
    out += name_ + "_count" + label_text(label_names_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void GaugeFamily::set(const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  values_[labels] = value;
}

std::optional<double> GaugeFamily::value(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void GaugeFamily::clear() {
  std::lock_guard lock(mutex_);
  values_.clear();
}

void GaugeFamily::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  header(out, name_, help_, "gauge");
  for (const auto& [labels, v] : values_) out += name_ + label_text(label_names_, labels) + " " + number(v) + "\n";
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[name];
  if (!slot) slot = std::make_unique<CounterFamily>(name, help, std::move(label_names));
  return *slot;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[name];
  if (!slot) slot = std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
  return *slot;
}

GaugeFamily& Registry::gauge_family(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  auto& slot = gauge_families_[name];
  if (!slot) slot = std::make_unique<GaugeFamily>(name, help, std::move(label_names));
  return *slot;
}

void Registry::gauge(const std::string& name, const std::string& help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(GaugeFn{name, help, std::move(read), {}, {}});
}

void Registry::gauge(const std::string& name, const std::string& help, const std::string& label,
                     const std::string& label_value, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(GaugeFn{name, help, std::move(read), label, label_value});
}

void Registry::clear_gauges() {
  std::lock_guard lock(mutex_);
  gauges_.clear();
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, c] : counters_) c->render(out);
  for (const auto& [name, h] : histograms_) h->render(out);
  for (const auto& [name, g] : gauge_families_) g->render(out);
  const GaugeFn* previous = nullptr;
  for (const auto& g : gauges_) {
    if (previous == nullptr || previous->name != g.name) header(out, g.name, g.help, "gauge");
    previous = &g;
    out += g.name;
    if (!g.label.empty()) out += "{" + g.label + "=\"" + escape_label(g.label_value) + "\"}";
    out += " " + number(g.read()) + "\n";
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace kq::metrics
