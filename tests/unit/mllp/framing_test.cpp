// MLLP framing: split frames, several frames per read, noise, limits.
#include <gtest/gtest.h>

#include "gateway/mllp/framing.hpp"

using kq::mllp::FrameReader;
using kq::mllp::frame;

TEST(MllpFraming, WholeFrame) {
  FrameReader r(1024);
  EXPECT_TRUE(r.feed(frame("MSH|^~\\&|A")));
  auto m = r.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "MSH|^~\\&|A");
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.in_frame());
}

TEST(MllpFraming, FrameSplitAcrossReadsAndTwoInOne) {
  FrameReader r(1024);
  const std::string both = frame("one") + frame("two") + frame("thr");
  for (char c : both.substr(0, both.size() - 2)) {
    EXPECT_TRUE(r.feed(std::string(1, c)));
  }
  EXPECT_EQ(*r.next(), "one");
  EXPECT_EQ(*r.next(), "two");
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.in_frame());
  r.feed(both.substr(both.size() - 2));
  EXPECT_EQ(*r.next(), "thr");
}

TEST(MllpFraming, BytesBeforeStartAreDiscarded) {
  FrameReader r(1024);
  r.feed("\r\n  junk" + frame("msg") + "\n");
  EXPECT_EQ(*r.next(), "msg");
  EXPECT_EQ(r.discarded_bytes(), 9u);
}

TEST(MllpFraming, MissingCarriageReturnAfterEndIsTolerated) {
  FrameReader r(1024);
  r.feed("\x0b" "a\x1c" "\x0b" "b\x1c\r");
  EXPECT_EQ(*r.next(), "a");
  EXPECT_EQ(*r.next(), "b");
}

TEST(MllpFraming, OversizedFrameIsRefusedWithoutEnd) {
  FrameReader r(10);
  EXPECT_TRUE(r.feed("\x0b" "0123456789"));
  EXPECT_FALSE(r.feed("X"));
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.overflowed());
}

TEST(MllpFraming, OversizedSecondFrameInSameReadIsRefused) {
  FrameReader r(5);
  r.feed(frame("ok") + frame("far too long"));
  EXPECT_EQ(*r.next(), "ok");
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.overflowed());
}

TEST(MllpFraming, ExactLimitIsAccepted) {
  FrameReader r(5);
  EXPECT_TRUE(r.feed(frame("12345")));
  EXPECT_EQ(*r.next(), "12345");
}
