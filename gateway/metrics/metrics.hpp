#pragma once
// A small Prometheus registry: labelled counters, histograms and gauges read at scrape time.
// Rendering follows the text exposition format 0.0.4 (HELP, TYPE, samples; histogram buckets
// are cumulative and end with +Inf, plus _sum and _count).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kq::metrics {

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void inc(const Labels& labels, std::uint64_t by = 1);
  std::uint64_t value(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, std::uint64_t> values_;
};

class HistogramFamily {
 public:
  // `bounds` are the upper bounds of the buckets, ascending.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void observe(const Labels& labels, double value);
  std::uint64_t count(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<Labels, Series> series_;
};

// Labelled gauges whose values are set when they change (the next run of a schedule, the rows
// done by a sync), as opposed to GaugeFn, read at scrape time.
class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void set(const Labels& labels, double value);
  std::optional<double> value(const Labels& labels) const;
  // Forgets every series (their subjects went away, e.g. on a reload).
  void clear();
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> values_;
};

// A gauge whose value is read when /metrics is scraped; `label` empty: no label.
struct GaugeFn {
  std::string name, help;
  std::function<double()> read;
  std::string label, label_value;
};

class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names);
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);
  GaugeFamily& gauge_family(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names);
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);
  // One series of a gauge family with one label, e.g. kangqiao_payload_parses_total{format="xml"}.
  // Series of one family are registered one after another, with the same help.
  void gauge(const std::string& name, const std::string& help, const std::string& label,
             const std::string& label_value, std::function<double()> read);
  // Removes every gauge (their readers may point at objects that are going away).
  void clear_gauges();
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_;
  std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_;
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauge_families_;
  std::vector<GaugeFn> gauges_;
};

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> latency_buckets();

}  // namespace kq::metrics
