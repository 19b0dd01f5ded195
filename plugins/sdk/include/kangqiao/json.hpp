// A small JSON writer for plugin replies (HTTP bodies, problem documents), so that a plugin needs
// no JSON library to answer: header-only, part of the SDK, nothing crosses the ABI.
//
//   kangqiao::json::Object o;
//   o.add("message_id", id).add("status", 201);
//   reply.write(o.str());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kangqiao::json {

// Appends `text` as a JSON string: quote, backslash and control characters escaped, everything
// else (UTF-8 included) as it is.
inline void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += kHex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

inline std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_string(out, text);
  return out;
}

// A JSON array or object written element by element; str() closes it.
class Array {
 public:
  Array& add(std::string_view text) { return add_raw(quote(text)); }
  Array& add_raw(std::string_view json) {
    out_ += out_.size() == 1 ? "" : ",";
    out_ += json;
    return *this;
  }
  std::string str() const { return out_ + "]"; }

 private:
  std::string out_ = "[";
};

class Object {
 public:
  Object& add(std::string_view key, std::string_view text) { return add_raw(key, quote(text)); }
  Object& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  Object& add(std::string_view key, std::int64_t number) { return add_raw(key, std::to_string(number)); }
  Object& add(std::string_view key, int number) { return add_raw(key, std::to_string(number)); }
  Object& add(std::string_view key, const Array& array) { return add_raw(key, array.str()); }
  Object& add(std::string_view key, const Object& object) { return add_raw(key, object.str()); }
  Object& add_raw(std::string_view key, std::string_view json) {
    out_ += out_.size() == 1 ? "" : ",";
    append_string(out_, key);
    out_ += ':';
    out_ += json;
    return *this;
  }
  std::string str() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

}  // namespace kangqiao::json
