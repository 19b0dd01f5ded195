// Throughput of parse + map for a typical ADT^A01 (about 1 KB), single thread. Disabled by
// default (timing depends on the machine); run with
//   kq_unit_mapping --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "gateway/mapping/mapping.hpp"

namespace kq::mapping {
namespace {

const char* kAdt =
    "MSH|^~\\&|HIS|H001|KQ|KQ|20240305083000||ADT^A01^ADT_A01|MSG0001|P|2.4|||AL|NE\r"
    "EVN|A01|20240305083000|||OP001^王医生\r"
    "PID|1||11010519491231002X^^^^ID~000123^^^H001^MR||ZHANG SAN^张三||19491231|M|||北京市西城区某街1号^^北京^北京^100032||"
    "13800000000^PRN^PH|010-66000000^WPN^PH||M||000123|11010519491231002X|||01||||||||N\r"
    "NK1|1|ZHANG^李四|SPO^配偶|北京市西城区某街1号|13900000000\r"
    "PV1|1|I|内科^301^02^H001||||D001^李医生|||MED||||1|||D001^李医生|IP|V20240305001|||||||||||||||||||||H001|||"
    "|20240305083000\r"
    "PV2|||^发热待查\r"
    "AL1|1|DA|青霉素|SV|皮疹\r"
    "DG1|1||R50.900^发热^ICD10|||A\r";

double per_second(int n, std::chrono::steady_clock::duration d) {
  return n / std::chrono::duration<double>(d).count();
}

TEST(MappingThroughput, DISABLED_AdtParseAndMap) {
  auto mapping = compile_mapping(std::filesystem::path(KQ_SOURCE_DIR) / "mappings/his/adt_a01.yaml");
  const std::string payload(kAdt);
  ApplyOptions options;
  options.sender_org = "org-h001";
  options.today = core::PartialDate::ymd(2024, 6, 1);
  {
    const MapResult check = map_payload(*mapping, payload, options);
    ASSERT_TRUE(check.ok()) << (check.errors.empty() ? "" : check.errors[0].str());
    ASSERT_EQ(check.records.size(), 2u);
  }
  constexpr int kRounds = 50000;
  formats::ParseError error;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    auto doc = mapping->format().parse(payload, mapping->parse_options(), error);
    ASSERT_TRUE(doc);
  }
  const double parse_rate = per_second(kRounds, std::chrono::steady_clock::now() - start);
  std::size_t records = 0;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) records += map_payload(*mapping, payload, options).records.size();
  const double map_rate = per_second(kRounds, std::chrono::steady_clock::now() - start);
  options.lineage = false;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) records += map_payload(*mapping, payload, options).records.size();
  const double no_lineage_rate = per_second(kRounds, std::chrono::steady_clock::now() - start);
  std::printf("ADT^A01 %zu bytes: parse only %.0f msg/s; parse + map %.0f msg/s; without lineage %.0f msg/s\n",
              payload.size(), parse_rate, map_rate, no_lineage_rate);
  EXPECT_EQ(records, 4u * kRounds);
}

}  // namespace
}  // namespace kq::mapping
