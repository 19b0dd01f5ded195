// Structured logs: one JSON object per line, personal data masked.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/log/log.hpp"

using namespace kq::log;

namespace {

struct CaptureLog {
  std::string out;
  CaptureLog() { set_sink_for_testing(&out); }
  ~CaptureLog() { set_sink_for_testing(nullptr); }
  boost::json::object last() const {
    auto start = out.rfind('\n', out.size() - 2);
    start = start == std::string::npos ? 0 : start + 1;
    return boost::json::parse(out.substr(start)).as_object();
  }
};

}  // namespace

TEST(Log, WritesOneJsonObjectPerLine) {
  CaptureLog cap;
  info("message_stored", {{"adapter", "his"}, {"records", 3}, {"ok", true}});
  auto o = cap.last();
  EXPECT_EQ(o["event"].as_string(), "message_stored");
  EXPECT_EQ(o["level"].as_string(), "info");
  EXPECT_EQ(o["adapter"].as_string(), "his");
  EXPECT_EQ(o["records"].as_int64(), 3);
  EXPECT_TRUE(o["ok"].as_bool());
  EXPECT_EQ(o["ts"].as_string().size(), 24u);  // 2026-11-21T22:27:00.085Z
}

TEST(Log, PersonalFieldsAreMasked) {
  CaptureLog cap;
  info("x", {pii("name", "张三"), pii("full", "欧阳娜娜"), pii("id", "11010519491231002X"),
             pii("phone", "13812345678")});
  auto o = cap.last();
  EXPECT_EQ(o["name"].as_string(), "张*");
  EXPECT_EQ(o["full"].as_string(), "欧**娜");
  EXPECT_EQ(o["id"].as_string(), "110105**********2X");
  EXPECT_EQ(o["phone"].as_string(), "138****5678");
}

TEST(Log, IdentityNumbersInFreeTextAreMasked) {
  CaptureLog cap;
  error("mapping_failed", {{"error", "PID-19: 11010519491231002X fails the check digit"}});
  EXPECT_EQ(cap.last()["error"].as_string(), "PID-19: 110105**********2X fails the check digit");
  EXPECT_EQ(cap.out.find("11010519491231002X"), std::string::npos);
}

TEST(Log, ShortDigitRunsAreLeftAlone) {
  EXPECT_EQ(mask_identity_numbers("port 8443, 1000 rows, seq 123456789012"), "port 8443, 1000 rows, seq 123456789012");
}

TEST(Log, LevelFiltersLowerMessages) {
  CaptureLog cap;
  set_level(Level::warn);
  info("hidden", {});
  warn("shown", {});
  set_level(Level::info);
  EXPECT_EQ(cap.out.find("hidden"), std::string::npos);
  EXPECT_NE(cap.out.find("shown"), std::string::npos);
  Level l;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_FALSE(parse_level("verbose", l));
}
