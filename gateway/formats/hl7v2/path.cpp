#include "gateway/formats/hl7v2/path.hpp"

#include <algorithm>
#include <charconv>
#include <typeinfo>

namespace kq::formats::hl7v2 {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the path text that reports the first problem it meets.
class PathReader {
 public:
  PathReader(std::string_view text, std::string& error) : text_(text), error_(error) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool next_is(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skip() { ++pos_; }
  std::string_view read_so_far() const { return text_.substr(0, pos_); }
  std::string_view rest() const { return text_.substr(pos_); }

  // Letters, digits and the like up to the next structural character.
  std::string_view token() const {
    const std::size_t end = text_.find_first_of("[]-.", pos_);
    return text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
  }

  std::string_view leading_digits() const {
    std::size_t end = pos_;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  // A number >= 1 called `what` ("field number").
  bool number(const char* what, std::uint32_t& value) {
    const std::string_view digits = leading_digits();
    if (digits.empty()) {
      return fail(std::string(what) + " must be a number: '" + std::string(token()) + "'");
    }
    std::uint64_t parsed = 0;
    for (char c : digits) {
      parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
      if (parsed > kMaxPathNumber) {
        return fail(std::string(what) + " must be at most " + std::to_string(kMaxPathNumber) +
                    ": '" + std::string(digits) + "'");
      }
    }
    if (parsed == 0) return fail(std::string(what) + " must be ≥ 1");
    value = static_cast<std::uint32_t>(parsed);
    pos_ += digits.size();
    return true;
  }

  // "[n]" or "[*]" called `what` ("repetition"); the cursor is on '['.
  bool index(const char* what, std::uint32_t& value) {
    skip();
    if (next_is('*')) {
      skip();
      value = kEvery;
    } else {
      if (leading_digits().empty()) {
        return fail(std::string(what) + " must be a number or *: '" + std::string(token()) + "'");
      }
      if (!number(what, value)) return false;
    }
    if (!next_is(']')) {
      return fail("missing ']' after the " + std::string(what) + " in '" +
                  std::string(read_so_far()) + "'");
    }
    skip();
    return true;
  }

 private:
  std::string_view text_;
  std::string& error_;
  std::size_t pos_ = 0;
};

// A location built without touching the heap: "OBX[12]-5[2].1.2" is the longest kind.
class Label {
 public:
  void add(std::string_view text) {
    const std::size_t n = std::min(text.size(), sizeof buffer_ - size_);
    std::copy_n(text.data(), n, buffer_ + size_);
    size_ += n;
  }
  void add(char c) {
    if (size_ < sizeof buffer_) buffer_[size_++] = c;
  }
  void add_number(std::size_t n) {
    const auto result = std::to_chars(buffer_ + size_, buffer_ + sizeof buffer_, n);
    if (result.ec == std::errc()) size_ = static_cast<std::size_t>(result.ptr - buffer_);
  }
  void add_index(std::size_t n) {
    add('[');
    add_number(n);
    add(']');
  }
  std::string_view view() const { return {buffer_, size_}; }
  std::size_t size() const { return size_; }
  void truncate(std::size_t size) { size_ = std::min(size, size_); }

 private:
  char buffer_[64];
  std::size_t size_ = 0;
};

// Where a match goes: into a vector (Path::select) or straight to a visitor (Path::visit).
class CollectMatches {
 public:
  explicit CollectMatches(std::vector<Match>& out) : out_(out) {}
  void reserve(std::size_t n) { out_.reserve(n); }
  // `raw` as written; decoded (escapes resolved) when `decode`. False: stop.
  bool add(const Hl7Message& message, std::string_view raw, const Hl7Message::FieldView* field,
           std::size_t segment, std::string_view location) {
    Match& match = out_.emplace_back();
    match.handle = segment;
    match.location.assign(location);
    if (field != nullptr) {
      message.append_decoded(match.text, raw, *field);
    } else {
      match.text.assign(raw);
    }
    return true;
  }

 private:
  std::vector<Match>& out_;
};

class VisitMatches {
 public:
  explicit VisitMatches(MatchVisitor& visitor) : visitor_(visitor) {}
  void reserve(std::size_t) {}
  // A value is handed over as a view into the message unless it has escapes to resolve.
  bool add(const Hl7Message& message, std::string_view raw, const Hl7Message::FieldView* field,
           std::size_t segment, std::string_view location) {
    std::string_view text = raw;
    if (field != nullptr && field->has_escapes) {
      decoded_.clear();
      message.append_decoded(decoded_, raw);
      text = decoded_;
    }
    return visitor_.take({text, location, segment});
  }

 private:
  MatchVisitor& visitor_;
  std::string decoded_;
};

// One repetition (or the single value) of a field: pick the component and subcomponent and
// add the match, unless the result is empty. False: the receiver wants no more.
template <class Out>
bool emit_value(const Hl7Message& message, const PathSpec& spec, std::size_t segment,
                const Hl7Message::FieldView& field, std::string_view value, Label& label, Out& out) {
  const Hl7Separators& separators = message.separators();
  const std::size_t label_size = label.size();
  bool found = true;
  if (spec.component != 0) {
    value = nth_part(value, separators.component, spec.component, found);
    label.add('.');
    label.add_number(spec.component);
  }
  if (found && spec.subcomponent != 0) {
    value = nth_part(value, separators.subcomponent, spec.subcomponent, found);
    label.add('.');
    label.add_number(spec.subcomponent);
  }
  bool more = true;
  if (found && !value.empty()) {
    // The HL7 null "" is a value that is present and empty.
    more = is_hl7_null(value) ? out.add(message, {}, nullptr, segment, label.view())
                              : out.add(message, value, &field, segment, label.view());
  }
  label.truncate(label_size);
  return more;
}

template <class Out>
bool emit_segment(const Hl7Message& message, const PathSpec& spec, std::size_t segment, Out& out) {
  Label label;
  label.add(message.segment_name(segment));
  if (message.occurrences(segment) > 1) label.add_index(message.occurrence(segment));
  if (spec.field == 0) return out.add(message, message.segment_text(segment), nullptr, segment, label.view());
  label.add('-');
  label.add_number(spec.field);
  const Hl7Message::FieldView field = message.field(segment, spec.field);
  const std::string_view raw = field.raw;
  if (raw.empty()) return true;
  if (spec.field <= 2 && message.segment_type(segment) == Hl7Message::kMshType) {
    // The separators themselves: never split, never unescaped.
    return out.add(message, raw, nullptr, segment, label.view());
  }
  if (!field.has_repetitions) {
    if (spec.repetition == 1 || spec.repetition == kEvery) {
      return emit_value(message, spec, segment, field, raw, label, out);
    }
    return true;
  }
  const char repetition = message.separators().repetition;
  const std::size_t label_size = label.size();
  std::size_t begin = 0;
  for (std::uint32_t r = 1; begin <= raw.size(); ++r) {
    const std::size_t end = find_char(raw, repetition, begin);
    if (spec.repetition == kEvery || spec.repetition == r) {
      label.add_index(r);
      const bool more = emit_value(message, spec, segment, field, raw.substr(begin, end - begin), label, out);
      label.truncate(label_size);
      if (!more || spec.repetition == r) return more;
    }
    begin = end + 1;
  }
  return true;
}

template <class Out>
void select_into(const Hl7Message& message, const PathSpec& spec, const Match* scope, Out& out) {
  constexpr std::size_t npos = Hl7Message::npos;
  std::uint32_t seen = 0;
  // Takes segment i as the next candidate; false once the path's segment index is served or
  // the receiver wants no more.
  auto visit = [&](std::size_t i) {
    ++seen;
    if (spec.segment_index != kEvery && seen != spec.segment_index) return true;
    return emit_segment(message, spec, i, out) && spec.segment_index == kEvery;
  };
  if (scope != nullptr && !spec.absolute) {
    if (scope->handle >= message.segment_count()) return;
    const auto s = static_cast<std::size_t>(scope->handle);
    if (message.segment_type(s) == spec.segment_type) {
      visit(s);
      return;
    }
    // The group: the segments after S up to the next one named like S. Walking it costs the
    // group's size, so iterating over every group of a message stays linear.
    const std::size_t next = message.next_of_same_name(s);
    const std::size_t end = next == npos ? message.segment_count() : next;
    for (std::size_t i = s + 1; i < end; ++i) {
      if (message.segment_type(i) == spec.segment_type && !visit(i)) return;
    }
    return;
  }
  std::size_t segment = message.first_segment(spec.segment_type);
  if (segment == npos) return;
  out.reserve(message.occurrences(segment));  // one allocation for one match per segment
  for (; segment != npos; segment = message.next_of_same_name(segment)) {
    if (!visit(segment)) return;
  }
}

class Hl7Path final : public Path {
 public:
  Hl7Path(std::string_view text, const PathSpec& spec) : text_(text), spec_(spec) {}

  std::vector<Match> select(const Document& document, const Match* scope) const override {
    std::vector<Match> out;
    // A path of another format's document is a wiring mistake, not a message problem: it finds
    // nothing. typeid of a final class is a cheap pointer comparison, unlike dynamic_cast.
    if (typeid(document) != typeid(Hl7Message)) return out;
    select_matches(static_cast<const Hl7Message&>(document), spec_, scope, out);
    return out;
  }
  void visit(const Document& document, const Match* scope, MatchVisitor& visitor) const override {
    if (typeid(document) != typeid(Hl7Message)) return;
    visit_matches(static_cast<const Hl7Message&>(document), spec_, scope, visitor);
  }
  const std::string& text() const override { return text_; }

 private:
  std::string text_;
  PathSpec spec_;
};

}  // namespace

bool parse_path(std::string_view text, PathSpec& spec, std::string& error) {
  spec = PathSpec{};
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) {
    error = "path is empty";
    return false;
  }
  if (text.front() == '/') {
    spec.absolute = true;
    text.remove_prefix(1);
  }
  PathReader in(text, error);
  const std::string_view name = in.token();
  if (name.size() != 3 || !std::all_of(name.begin(), name.end(), is_segment_name_char)) {
    return in.fail("segment name must be 3 upper-case letters or digits: '" + std::string(name) +
                   "'");
  }
  spec.segment_type = Hl7Message::pack_segment_name(name);
  for (std::size_t i = 0; i < name.size(); ++i) in.skip();
  if (in.next_is('[') && !in.index("segment index", spec.segment_index)) return false;
  if (in.at_end()) return true;
  if (!in.next_is('-')) {
    return in.fail("expected '-' and a field number after '" + std::string(in.read_so_far()) +
                   "', found '" + std::string(in.rest()) + "'");
  }
  in.skip();
  if (!in.number("field number", spec.field)) return false;
  if (in.next_is('[') && !in.index("repetition", spec.repetition)) return false;
  if (in.next_is('.')) {
    in.skip();
    if (!in.number("component number", spec.component)) return false;
    if (in.next_is('.')) {
      in.skip();
      if (!in.number("subcomponent number", spec.subcomponent)) return false;
    }
  }
  if (!in.at_end()) {
    return in.fail("unexpected '" + std::string(in.rest()) + "' after '" +
                   std::string(in.read_so_far()) + "'");
  }
  const bool separators = name == "MSH" && spec.field <= 2;
  if (separators && (spec.repetition != 1 || spec.component != 0)) {
    return in.fail(
        "MSH-1 and MSH-2 are the separators themselves: they have no repetitions or "
        "components");
  }
  return true;
}

void select_matches(const Hl7Message& message, const PathSpec& spec, const Match* scope,
                    std::vector<Match>& out) {
  CollectMatches collect(out);
  select_into(message, spec, scope, collect);
}

void visit_matches(const Hl7Message& message, const PathSpec& spec, const Match* scope,
                   MatchVisitor& visitor) {
  VisitMatches visit(visitor);
  select_into(message, spec, scope, visit);
}

std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) {
  PathSpec spec;
  if (!parse_path(text, spec, error)) return nullptr;
  return std::make_unique<Hl7Path>(text, spec);
}

}  // namespace kq::formats::hl7v2
