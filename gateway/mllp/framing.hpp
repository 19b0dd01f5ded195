#pragma once
// MLLP framing: <VT> message <FS><CR> (HL7 v2 Transport, MLLP release 1).
//
// The reader accepts bytes as they come (frames split across reads, several frames in one read),
// discards anything before a start byte (line noise, keep-alive newlines), and refuses a frame
// that grows past the limit instead of buffering without end.
#include <cstddef>
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
  // The next complete frame's content (without VT/FS/CR), if one is buffered. A frame over the
  // limit is never returned: overflowed() turns true and the connection must close.
  std::optional<std::string> next();
  bool overflowed() const { return overflowed_; }
  // True while a frame has started but not ended (a read timeout applies, not the idle one).
  bool in_frame() const;
  std::size_t discarded_bytes() const { return discarded_; }

 private:
  std::size_t max_frame_bytes_;
  std::string buffer_;       // from the first VT on
  std::size_t scanned_ = 0;  // bytes of buffer_ already searched for FS
  std::size_t discarded_ = 0;
  bool overflowed_ = false;
};

// Wraps an acknowledgement in a frame.
std::string frame(std::string_view message);

}  // namespace kq::mllp
