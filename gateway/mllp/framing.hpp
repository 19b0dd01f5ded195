#pragma once
// MLLP framing: <VT> message <FS><CR> (HL7 v2 Transport, MLLP release 1).
//
// The reader accepts bytes as they come (frames split across reads, several frames in one read)
// and refuses a frame that grows past the limit instead of buffering without end.
//
// Every frame it returns gets exactly one reply, so where a frame ends must never be in doubt:
//   - a frame starts at <VT> and ends at <FS><CR>, as the standard says; an <FS> followed by
//     anything else is part of the content (HL7 content has no business holding one, and the
//     adapter answers for that), so a stray <FS> never cuts a message in two;
//   - <FS><VT> also ends a frame and starts the next one: senders that leave out the <CR> between
//     back-to-back frames exist, and nothing else can be meant;
//   - a <VT> inside a frame starts the frame again: the sender gave up on what came before (a
//     restart half-way through a message), which never gets a reply; it is counted as discarded;
//   - bytes between frames (line noise, keep-alive newlines) are discarded.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace kq::mllp {

inline constexpr char kStartBlock = '\x0b';
inline constexpr char kEndBlock = '\x1c';
inline constexpr char kCarriageReturn = '\x0d';

class FrameReader {
 public:
  explicit FrameReader(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Adds received bytes. Returns false when a frame exceeds the limit (the connection must close).
  bool feed(std::string_view bytes);
  // The next complete frame's content (without VT/FS/CR), if one is ready. Frames completed
  // before an overflow are still returned; then overflowed() tells the connection to close.
  std::optional<std::string> next();
  bool overflowed() const { return overflowed_; }
  // True while a frame has started but not ended (a read timeout applies, not the idle one).
  bool in_frame() const { return state_ != State::between_frames; }
  // Bytes outside any returned frame: noise between frames and abandoned partial frames.
  std::size_t discarded_bytes() const { return discarded_; }
  // Frames abandoned because a new start byte arrived before their end.
  std::size_t restarted_frames() const { return restarted_; }

 private:
  enum class State { between_frames, in_frame, after_end_block };
  void start_frame();
  void end_frame();
  bool append(std::string_view bytes);

  std::size_t max_frame_bytes_;
  State state_ = State::between_frames;
  std::string current_;  // content of the frame being assembled
  std::deque<std::string> ready_;
  std::size_t discarded_ = 0;
  std::size_t restarted_ = 0;
  bool overflowed_ = false;
};

// Wraps an acknowledgement in a frame.
std::string frame(std::string_view message);

}  // namespace kq::mllp
