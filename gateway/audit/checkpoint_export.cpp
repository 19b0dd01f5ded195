#include "gateway/audit/checkpoint_export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "gateway/log/log.hpp"

namespace kq::audit {

namespace {

constexpr std::string_view kEvent = "audit_checkpoint";

std::optional<std::string> fingerprint_from_text(std::string_view text) {
  std::string raw;
  std::string digits;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits.push_back(c);
  }
  if (digits.size() != 64) return std::nullopt;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    raw.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return raw;
}

}  // namespace

std::string checkpoint_json(const Checkpoint& c) {
  boost::json::object o;
  o["event"] = kEvent;
  o["id"] = c.id;
  o["seq"] = c.seq;
  o["count"] = c.count;
  o["at_ms"] = c.at_ms;
  o["head_hash"] = base64(c.head_hash);
  o["entries_digest"] = base64(c.entries_digest);
  o["signature_algorithm"] = c.signature_algorithm;
  o["key_fingerprint"] = fingerprint_text(c.key_fingerprint);
  o["signature"] = base64(c.signature);
  return boost::json::serialize(o);
}

std::optional<Checkpoint> parse_checkpoint_line(std::string_view line, std::string& error) {
  error.clear();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::object& o = v.get_object();
  const auto* event = o.if_contains("event");
  if (event == nullptr || !event->is_string() || event->get_string() != kEvent) return std::nullopt;
  auto integer = [&](const char* key, std::int64_t& out) {
    const auto* f = o.if_contains(key);
    if (f == nullptr || !f->is_int64()) {
      if (error.empty()) error = std::string(key) + ": expected an integer";
      return;
    }
    out = f->get_int64();
  };
  auto text = [&](const char* key) -> std::string {
    const auto* f = o.if_contains(key);
    if (f == nullptr || !f->is_string()) {
      if (error.empty()) error = std::string(key) + ": expected text";
      return {};
    }
    return std::string(f->get_string());
  };
  Checkpoint c;
  integer("id", c.id);
  integer("seq", c.seq);
  integer("count", c.count);
  integer("at_ms", c.at_ms);
  c.signature_algorithm = text("signature_algorithm");
  const std::string entries = text("entries_digest");
  const std::string head = text("head_hash"), signature = text("signature"), fingerprint = text("key_fingerprint");
  if (!error.empty()) return std::nullopt;
  auto head_raw = from_base64(head);
  auto entries_raw = from_base64(entries);
  auto signature_raw = from_base64(signature);
  auto fingerprint_raw = fingerprint_from_text(fingerprint);
  if (!head_raw || head_raw->size() != 32) error = "head_hash: expected 32 bytes in base64";
  else if (!entries_raw || entries_raw->size() != 32) error = "entries_digest: expected 32 bytes in base64";
  else if (!signature_raw) error = "signature: expected base64";
  else if (!fingerprint_raw) error = "key_fingerprint: expected 32 bytes in hex";
  if (!error.empty()) return std::nullopt;
  c.head_hash = std::move(*head_raw);
  c.entries_digest = std::move(*entries_raw);
  c.signature = std::move(*signature_raw);
  c.key_fingerprint = std::move(*fingerprint_raw);
  return c;
}

CheckpointFile read_checkpoint_file(const std::filesystem::path& path) {
  CheckpointFile out;
  std::ifstream in(path);
  if (!in) {
    out.errors.push_back(path.string() + ": cannot be read");
    return out;
  }
  std::string line, error;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (auto c = parse_checkpoint_line(line, error)) {
      out.checkpoints.push_back(std::move(*c));
    } else if (!error.empty()) {
      out.errors.push_back(path.string() + ":" + std::to_string(number) + ": " + error);
    }
  }
  return out;
}

void append_checkpoint_file(const std::filesystem::path& path, const Checkpoint& c) {
  const std::string line = checkpoint_json(c) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int saved = errno;
  const bool synced = ::fdatasync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(saved));
  }
  if (!synced) throw std::runtime_error("cannot flush " + path.string() + " to disk");
}

void log_checkpoint(const Checkpoint& c) {
  log::info(kEvent, {{"id", c.id},
                     {"seq", c.seq},
                     {"count", c.count},
                     {"at_ms", c.at_ms},
                     {"head_hash", base64(c.head_hash)},
                     {"entries_digest", base64(c.entries_digest)},
                     {"signature_algorithm", c.signature_algorithm},
                     {"key_fingerprint", fingerprint_text(c.key_fingerprint)},
                     {"signature", base64(c.signature)}});
}

}  // namespace kq::audit
