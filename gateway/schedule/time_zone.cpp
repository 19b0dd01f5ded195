// Reading a TZif file (RFC 8536): versions 2 and later carry 64-bit transition times after the
// 32-bit block, and a POSIX TZ rule for instants after the last transition.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "gateway/schedule/time_zone.hpp"

namespace kq::schedule {

namespace {

constexpr std::string_view kDefaultTzDir = "/usr/share/zoneinfo";
constexpr std::int64_t kDay = 86400;

// An IANA name is a relative path of letters, digits and "_+-" ("Asia/Shanghai", "Etc/GMT-8"):
// anything else could escape the database folder.
bool plausible_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
  });
}

struct Bytes {
  const std::string& data;
  std::size_t pos = 0;
  const std::string& zone;

  [[noreturn]] void fail(const std::string& why) const {
    throw TimeZoneError("time zone \"" + zone + "\": " + why);
  }
  void need(std::size_t n) const {
    if (data.size() - pos < n) fail("the TZif file is truncated");
  }
  std::int64_t be(std::size_t width) {
    need(width);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos++]);
    if (width == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  void skip(std::size_t n) { need(n); pos += n; }
};

struct Header {
  char version = 0;
  std::array<std::size_t, 6> counts{};  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
};

Header read_header(Bytes& in) {
  in.need(44);
  if (in.data.compare(in.pos, 4, "TZif") != 0) in.fail("not a TZif file");
  Header h;
  h.version = in.data[in.pos + 4];
  in.skip(20);
  for (auto& c : h.counts) c = static_cast<std::size_t>(static_cast<std::uint32_t>(in.be(4)));
  return h;
}

}  // namespace

TimeZone TimeZone::utc() {
  TimeZone z;
  z.name_ = "UTC";
  return z;
}

TimeZone TimeZone::load(std::string_view name, std::string_view tzdir) {
  const std::string zone(name);
  if (!plausible_name(name)) throw TimeZoneError("time zone \"" + zone + "\": not an IANA zone name");
  std::string dir(tzdir);
  if (dir.empty()) {
    const char* env = std::getenv("TZDIR");
    dir = env != nullptr && *env != '\0' ? env : std::string(kDefaultTzDir);
  }
  std::ifstream file(dir + "/" + zone, std::ios::binary);
  if (!file) {
    throw TimeZoneError("time zone \"" + zone + "\": unknown (no such file in " + dir +
                        "; is the tzdata package installed?)");
  }
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  Bytes in{data, 0, zone};
  Header h = read_header(in);
  std::size_t time_width = 4;
  if (h.version >= '2') {  // skip the 32-bit block: the 64-bit one follows with its own header
    const auto& c = h.counts;
    in.skip(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    h = read_header(in);
    time_width = 8;
  }
  const auto& c = h.counts;
  if (c[4] == 0) in.fail("the TZif file has no local time types");
  TimeZone z;
  z.name_ = zone;
  for (std::size_t i = 0; i < c[3]; ++i) z.transitions_.push_back(in.be(time_width));
  std::vector<std::size_t> type_of(c[3]);
  for (auto& t : type_of) {
    t = static_cast<std::size_t>(in.be(1));
    if (t >= c[4]) in.fail("a transition names a local time type that does not exist");
  }
  std::vector<int> type_offsets(c[4]);
  for (auto& o : type_offsets) {
    o = static_cast<int>(in.be(4));
    in.skip(2);  // isdst, abbreviation index: the offset is all a schedule needs
  }
  for (std::size_t t : type_of) z.offsets_.push_back(type_offsets[t]);
  z.initial_offset_ = type_offsets[0];
  in.skip(c[5] + c[2] * (time_width + 4) + c[1] + c[0]);
  if (time_width == 8 && in.pos < data.size() && data[in.pos] == '\n') {
    const auto end = data.find('\n', in.pos + 1);
    if (end != std::string::npos && end > in.pos + 1) {
      z.rule_ = parse_posix_rule(std::string_view(data).substr(in.pos + 1, end - in.pos - 1));
    }
  }
  return z;
}

int TimeZone::offset_at(std::int64_t utc) const {
  if (transitions_.empty() || utc < transitions_.front()) {
    return transitions_.empty() && rule_ ? rule_->offset_at(utc) : initial_offset_;
  }
  if (utc >= transitions_.back() && rule_) return rule_->offset_at(utc);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  return offsets_[static_cast<std::size_t>(it - transitions_.begin()) - 1];
}

std::int64_t TimeZone::to_utc(std::int64_t local) const {
  // Offsets a day either side bracket any single change (no zone changes twice within a day).
  const int before = offset_at(local - kDay);
  const int after = offset_at(local + kDay);
  const int first = std::max(before, after);  // the larger offset gives the earlier instant
  const int second = std::min(before, after);
  if (offset_at(local - first) == first) return local - first;
  if (offset_at(local - second) == second) return local - second;
  return local - before;  // inside a gap
}

bool TimeZone::unambiguous(std::int64_t local) const {
  const int before = offset_at(local - kDay);
  const int after = offset_at(local + kDay);
  const bool a = offset_at(local - before) == before;
  const bool b = offset_at(local - after) == after;
  return before == after ? a : (a != b);
}

}  // namespace kq::schedule
