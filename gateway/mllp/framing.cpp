#include "gateway/mllp/framing.hpp"

namespace kq::mllp {

namespace {
constexpr std::string_view kFrameControls("\x0b\x1c", 2);  // a start or an end byte
}  // namespace

void FrameReader::start_frame() {
  if (state_ != State::between_frames) {
    // A start byte before the end: what came before is abandoned, with its own start byte.
    discarded_ += current_.size() + 1 + (state_ == State::after_end_block ? 1 : 0);
    ++restarted_;
  }
  current_.clear();
  state_ = State::in_frame;
}

void FrameReader::end_frame() {
  ready_.push_back(std::move(current_));
  current_.clear();
  state_ = State::between_frames;
}

bool FrameReader::append(std::string_view bytes) {
  if (current_.size() + bytes.size() > max_frame_bytes_) {
    overflowed_ = true;
    current_.clear();  // never handed on: free it now
    return false;
  }
  current_.append(bytes);
  return true;
}

bool FrameReader::feed(std::string_view bytes) {
  if (overflowed_) return false;
  while (!bytes.empty()) {
    switch (state_) {
      case State::between_frames: {
        const std::size_t start = bytes.find(kStartBlock);
        if (start == std::string_view::npos) {
          discarded_ += bytes.size();
          return true;
        }
        discarded_ += start;
        bytes.remove_prefix(start + 1);
        start_frame();
        break;
      }
      case State::in_frame: {
        const std::size_t control = bytes.find_first_of(kFrameControls);
        if (!append(bytes.substr(0, control))) return false;
        if (control == std::string_view::npos) return true;
        const char c = bytes[control];
        bytes.remove_prefix(control + 1);
        if (c == kStartBlock) {
          start_frame();
        } else {
          state_ = State::after_end_block;
        }
        break;
      }
      case State::after_end_block: {
        const char c = bytes.front();
        if (c == kCarriageReturn) {
          bytes.remove_prefix(1);
          end_frame();
        } else if (c == kStartBlock) {
          // <FS><VT>: the <CR> was left out between two frames.
          bytes.remove_prefix(1);
          end_frame();
          start_frame();
        } else {
          // Not an end after all: the <FS> is content, and so is what follows.
          state_ = State::in_frame;
          if (!append(std::string_view(&kEndBlock, 1))) return false;
        }
        break;
      }
    }
  }
  return true;
}

std::optional<std::string> FrameReader::next() {
  if (ready_.empty()) return std::nullopt;
  std::string message = std::move(ready_.front());
  ready_.pop_front();
  return message;
}

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
