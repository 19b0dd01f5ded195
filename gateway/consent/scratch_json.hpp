#pragma once
// A stored body parsed only to read a few of its fields and then dropped. Deciding a page parses
// every record, person and consent in it, and with the default allocator each string of each
// body was a malloc and a free: a third of a pull's time went to the allocator. Here the tree
// lives in an arena that starts on the caller's stack and frees nothing piecemeal, so neither
// the parse nor the destruction touches malloc for a body of ordinary size.
#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace kq::consent {

class ScratchJson {
 public:
  explicit ScratchJson(std::string_view text) : json_(boost::json::parse(text, ec_, &arena_)) {}
  ScratchJson(const ScratchJson&) = delete;
  ScratchJson& operator=(const ScratchJson&) = delete;

  // The body's object, or null when the text is not a JSON object. Valid while this lives.
  const boost::json::object* object() const { return ec_ ? nullptr : json_.if_object(); }
  bool parsed() const { return !ec_; }
  const boost::json::value& value() const { return json_; }

 private:
  unsigned char buffer_[4096];
  boost::json::monotonic_resource arena_{buffer_, sizeof buffer_};
  boost::system::error_code ec_;
  boost::json::value json_;  // last: destroyed before the arena it lives in
};

}  // namespace kq::consent
