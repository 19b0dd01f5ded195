// Prometheus text exposition of counters, histograms and gauges.
#include <gtest/gtest.h>

#include "gateway/metrics/metrics.hpp"

using namespace kq::metrics;

TEST(Metrics, CountersRenderWithLabels) {
  Registry r;
  auto& c = r.counter("kangqiao_messages_total", "Messages.", {"adapter", "outcome"});
  c.inc({"his", "committed"});
  c.inc({"his", "committed"}, 2);
  c.inc({"say \"hi\"", "rejected"});
  const std::string text = r.render();
  EXPECT_NE(text.find("# HELP kangqiao_messages_total Messages.\n# TYPE kangqiao_messages_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("kangqiao_messages_total{adapter=\"his\",outcome=\"committed\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("adapter=\"say \\\"hi\\\"\""), std::string::npos) << text;
  EXPECT_EQ(&r.counter("kangqiao_messages_total", "", {}), &c);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("latency_seconds", "Latency.", {"adapter"}, {0.01, 0.1, 1});
  h.observe({"his"}, 0.005);
  h.observe({"his"}, 0.05);
  h.observe({"his"}, 5);
  const std::string text = r.render();
  EXPECT_NE(text.find("latency_seconds_bucket{adapter=\"his\",le=\"0.01\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{adapter=\"his\",le=\"0.10000000000000001\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_bucket{adapter=\"his\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count{adapter=\"his\"} 3\n"), std::string::npos);
  EXPECT_EQ(h.count({"his"}), 3u);
}

TEST(Metrics, GaugesAreReadAtScrapeTime) {
  Registry r;
  int depth = 1;
  r.gauge("queue_depth", "Depth.", [&] { return static_cast<double>(depth); });
  EXPECT_NE(r.render().find("queue_depth 1\n"), std::string::npos);
  depth = 7;
  EXPECT_NE(r.render().find("queue_depth 7\n"), std::string::npos);
  r.clear_gauges();
  EXPECT_EQ(r.render().find("queue_depth"), std::string::npos);
}

TEST(Metrics, GaugeFamiliesKeepTheLastValuePerSeriesUntilCleared) {
  Registry r;
  auto& g = r.gauge_family("sync_rows_done", "Rows done.", {"adapter", "file"});
  g.set({"registry", "roster \"a\".csv"}, 5000);
  g.set({"registry", "roster \"a\".csv"}, 10000);
  g.set({"registry", "b.csv"}, 1.5);
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE sync_rows_done gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sync_rows_done{adapter=\"registry\",file=\"roster \\\"a\\\".csv\"} 10000\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("sync_rows_done{adapter=\"registry\",file=\"b.csv\"} 1.5\n"), std::string::npos) << text;
  EXPECT_EQ(g.value({"registry", "b.csv"}), 1.5);
  EXPECT_EQ(&r.gauge_family("sync_rows_done", "", {}), &g);
  g.clear();
  EXPECT_EQ(r.render().find("sync_rows_done{"), std::string::npos);
  EXPECT_FALSE(g.value({"registry", "b.csv"}).has_value());
}
