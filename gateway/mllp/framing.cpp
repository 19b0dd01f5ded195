#include "gateway/mllp/framing.hpp"

namespace kq::mllp {

bool FrameReader::feed(std::string_view bytes) {
  if (overflowed_) return false;
  if (buffer_.empty()) {
    // Outside a frame only a start byte matters.
    const std::size_t start = bytes.find(kStartBlock);
    if (start == std::string_view::npos) {
      discarded_ += bytes.size();
      return true;
    }
    discarded_ += start;
    bytes.remove_prefix(start);
  }
  buffer_.append(bytes);
  // A frame may legitimately be followed by the start of the next one in the same read; the
  // limit applies to the frame being assembled, checked once its end is known or it is too long.
  const std::size_t end = buffer_.find(kEndBlock, scanned_);
  if (end == std::string::npos) {
    scanned_ = buffer_.size();
    overflowed_ = overflowed_ || buffer_.size() > max_frame_bytes_ + 1;
    return !overflowed_;
  }
  overflowed_ = overflowed_ || end - 1 > max_frame_bytes_;
  return !overflowed_;
}

std::optional<std::string> FrameReader::next() {
  if (buffer_.empty()) return std::nullopt;
  const std::size_t end = buffer_.find(kEndBlock, 1);
  if (end == std::string::npos) {
    scanned_ = buffer_.size();
    if (buffer_.size() > max_frame_bytes_ + 1) overflowed_ = true;
    return std::nullopt;
  }
  if (end - 1 > max_frame_bytes_) {
    overflowed_ = true;
    return std::nullopt;
  }
  std::string message = buffer_.substr(1, end - 1);
  std::size_t rest = end + 1;
  if (rest < buffer_.size() && buffer_[rest] == kCarriageReturn) ++rest;
  // Keep whatever follows from its next start byte on.
  const std::size_t next_start = buffer_.find(kStartBlock, rest);
  if (next_start == std::string::npos) {
    discarded_ += buffer_.size() - rest;
    buffer_.clear();
  } else {
    discarded_ += next_start - rest;
    buffer_.erase(0, next_start);
  }
  scanned_ = 0;
  return message;
}

bool FrameReader::in_frame() const { return !buffer_.empty(); }

std::string frame(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 3);
  out += kStartBlock;
  out.append(message);
  out += kEndBlock;
  out += kCarriageReturn;
  return out;
}

}  // namespace kq::mllp
