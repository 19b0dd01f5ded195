// ABI 1.4 host functions called through the host API table as a plugin calls them: the files a
// reply takes along (ack_attach) become file names in a drop folder, so their suffix is checked;
// nothing_to_do is honoured only while on_decode runs.
#include <gtest/gtest.h>

#include <kangqiao/plugin.h>

#include "gateway/plugin_host/host_calls.hpp"

namespace kq::plugin_host {
namespace {

kq_str str(std::string_view s) { return kq_str{s.data(), s.size()}; }

TEST(AckAttach, TakesAShortSuffixOnceAndRefusesWhatCouldLeaveTheFolder) {
  AckReply reply;
  kq_ack_sink sink{&reply};
  const kq_host_api* api = host_api();
  ASSERT_GE(api->abi_minor, 4u);
  EXPECT_EQ(api->ack_attach(&sink, ".rejects.csv", str("行号,列名\r\n")), KQ_OK);
  EXPECT_EQ(api->ack_attach(&sink, ".rejects.csv", str("again")), KQ_ERROR) << "one file per suffix";
  for (const char* bad : {"rejects.csv", ".", "./../../etc/passwd", ".a\\b", ".0123456789012345678901234567890123"}) {
    EXPECT_EQ(api->ack_attach(&sink, bad, str("x")), KQ_ERROR) << bad;
  }
  EXPECT_EQ(api->ack_attach(&sink, nullptr, str("x")), KQ_ERROR);
  ASSERT_EQ(reply.attachments.size(), 1u);
  EXPECT_EQ(reply.attachments[0].first, ".rejects.csv");
  EXPECT_EQ(reply.attachments[0].second, "行号,列名\r\n");
}

TEST(NothingToDo, IsKeptWhileDecodingAndRefusedAfter) {
  DecodeResult result;
  Inbound in;
  kq_decode_sink sink{&result, &in, true};
  EXPECT_EQ(host_api()->nothing_to_do(&sink, str("not modified")), KQ_OK);
  ASSERT_TRUE(result.nothing_to_do.has_value());
  EXPECT_EQ(*result.nothing_to_do, "not modified");
  sink.open = false;
  EXPECT_EQ(host_api()->nothing_to_do(&sink, str("later")), KQ_ERROR);
  EXPECT_EQ(*result.nothing_to_do, "not modified");
}

}  // namespace
}  // namespace kq::plugin_host
