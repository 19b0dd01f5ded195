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

// One reply per frame, whatever the framing error: where a frame ends is never in doubt.

TEST(MllpFraming, EndBlockWithoutCarriageReturnIsContent) {
  FrameReader r(1024);
  r.feed("\x0b" "MSH|A\x1c" "PID|B\x1c\r");
  EXPECT_EQ(*r.next(), "MSH|A\x1c" "PID|B");  // one frame: a stray FS does not cut it in two
  EXPECT_FALSE(r.next());
}

TEST(MllpFraming, EndBlockAndCarriageReturnInSeparateReads) {
  FrameReader r(1024);
  r.feed("\x0b" "A\x1c");
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.in_frame());
  r.feed("\r");
  EXPECT_EQ(*r.next(), "A");
  EXPECT_FALSE(r.in_frame());
}

TEST(MllpFraming, StartBlockInsideAFrameStartsItAgain) {
  FrameReader r(1024);
  r.feed("\x0b" "MSH|half a mess" "\x0b" "MSH|whole\x1c\r");
  EXPECT_EQ(*r.next(), "MSH|whole");
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.restarted_frames(), 1u);
  EXPECT_EQ(r.discarded_bytes(), 16u);  // the abandoned part with its start byte
}

TEST(MllpFraming, StrayEndThenStartInsideAFrameGivesOneFrame) {
  // The case that got two replies before: an FS, more content, a VT, then the real end.
  FrameReader r(1024);
  r.feed("\x0b" "A\x1c" "B\x0b" "C\x1c\r");
  EXPECT_EQ(*r.next(), "C");
  EXPECT_FALSE(r.next());
}

TEST(MllpFraming, EmptyFrameIsAFrame) {
  FrameReader r(1024);
  r.feed("\x0b\x1c\r");
  EXPECT_EQ(*r.next(), "");
  EXPECT_FALSE(r.next());
}

TEST(MllpFraming, FramesBeforeAnOverflowAreStillReturned) {
  FrameReader r(4);
  EXPECT_FALSE(r.feed(frame("ok") + "\x0b" "toolong"));
  EXPECT_EQ(*r.next(), "ok");
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.overflowed());
}

TEST(MllpFraming, NeverMoreFramesThanEndMarkersInRandomStreams) {
  // Streams of control bytes and letters, fed in random pieces: a frame is returned only for an
  // end marker (<FS><CR> or <FS><VT>), never for an <FS> alone, and none holds a start byte.
  std::uint32_t seed = 12345;
  auto rand = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  const char alphabet[] = {'\x0b', '\x1c', '\r', 'a', 'b'};
  for (int round = 0; round < 2000; ++round) {
    std::string stream;
    const int len = static_cast<int>(rand() % 40);
    for (int i = 0; i < len; ++i) stream += alphabet[rand() % 5];
    std::size_t markers = 0;
    for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
      markers += stream[i] == '\x1c' && (stream[i + 1] == '\r' || stream[i + 1] == '\x0b');
    }
    FrameReader r(1024);
    std::size_t frames = 0;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t piece = 1 + rand() % 4;
      r.feed(std::string_view(stream).substr(at, piece));
      at += piece;
      while (auto f = r.next()) {
        ++frames;
        EXPECT_EQ(f->find('\x0b'), std::string::npos);
      }
    }
    EXPECT_LE(frames, markers) << "stream " << round;
  }
}
