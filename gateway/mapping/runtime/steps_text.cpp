// Text steps, list steps and the checks that work on text.
#include <algorithm>
#include <charconv>

#include "gateway/core/resident_id.hpp"
#include "gateway/core/text_util.hpp"
#include "gateway/mapping/runtime/steps_internal.hpp"

namespace kq::mapping::detail {

namespace {

class Trim final : public Step {
 public:
  void run(Values& values, const StepEnv&) const override {
    each_value(values, [](Value& v) {
      const std::string_view t = core::trim_space(v.text());
      if (t.size() != v.text().size()) v.text().assign(t);  // in place: no new buffer
      return !v.text().empty();
    });
  }
};

class ChangeCase final : public Step {
 public:
  explicit ChangeCase(bool upper) : upper_(upper) {}
  void run(Values& values, const StepEnv&) const override {
    for (Value& v : values) {
      for (char& c : v.text()) {
        if (upper_ && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper_ && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
    }
  }

 private:
  bool upper_;
};

// Counts characters, not bytes: 张三丰 has three.
class Substring final : public Step {
 public:
  Substring(std::size_t start, std::optional<std::size_t> length) : start_(start), length_(length) {}
  void run(Values& values, const StepEnv&) const override {
    each_value(values, [this](Value& v) {
      const std::string& s = v.text();
      auto offset_of = [&s](std::size_t chars) {
        std::size_t i = 0;
        for (std::size_t n = 0; i < s.size() && n < chars; ++n) {
          ++i;
          while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
        }
        return i;
      };
      const std::size_t begin = offset_of(start_);
      const std::size_t end = length_ ? offset_of(start_ + *length_) : s.size();
      v.text() = s.substr(begin, end - begin);
      return !v.text().empty();
    });
  }

 private:
  std::size_t start_;
  std::optional<std::size_t> length_;
};

bool too_long(const Value& v, const StepEnv& env) {
  if (v.text().size() <= kMaxRegexInput) return false;
  env.fail(v, "value of " + std::to_string(v.text().size()) + " bytes is too long for pattern matching",
           core::ErrorKind::too_long);
  return true;
}

class Extract final : public Step {
 public:
  explicit Extract(std::shared_ptr<const CompiledRegex> regex) : regex_(std::move(regex)) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      if (too_long(v, env)) return false;
      std::smatch m;
      if (!std::regex_search(v.text(), m, regex_->regex)) return false;
      v.text() = m.size() > 1 ? m[1].str() : m[0].str();
      return !v.text().empty();
    });
  }

 private:
  std::shared_ptr<const CompiledRegex> regex_;
};

class Replace final : public Step {
 public:
  Replace(std::shared_ptr<const CompiledRegex> regex, std::string with) : regex_(std::move(regex)), with_(std::move(with)) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      if (too_long(v, env)) return false;
      v.text() = std::regex_replace(v.text(), regex_->regex, with_);
      return !v.text().empty();
    });
  }

 private:
  std::shared_ptr<const CompiledRegex> regex_;
  std::string with_;
};

class Split final : public Step {
 public:
  explicit Split(std::string separator) : separator_(std::move(separator)) {}
  void run(Values& values, const StepEnv&) const override {
    Values out;
    for (Value& v : values) {
      const std::string& s = v.text();
      std::size_t begin = 0;
      while (begin <= s.size()) {
        std::size_t end = s.find(separator_, begin);
        if (end == std::string::npos) end = s.size();
        if (end > begin) out.emplace_back(s.substr(begin, end - begin), v.location);
        begin = end + separator_.size();
      }
    }
    values = std::move(out);
  }

 private:
  std::string separator_;
};

// The N-th part of a delimited value, counting empty parts: component 5 of "123^^^H001^MR" is
// "MR". For an HL7 repetition taken whole (`each: PID-3[*]` with `from: .`).
class Component final : public Step {
 public:
  Component(std::size_t index, char separator) : index_(index), separator_(separator) {}
  void run(Values& values, const StepEnv&) const override {
    each_value(values, [this](Value& v) {
      std::string_view s;
      if (!cut(v.text(), s)) return false;
      v.text().assign(s);  // a part of itself: libstdc++ handles the overlap, in place
      // PID-3[2] becomes PID-3[2].1: the sender's own name for the component.
      if (!v.location.empty()) append_suffix(v.location);
      return true;
    });
  }
  bool cuts_text() const override { return true; }
  bool part_of(std::string_view text, std::string_view& part, std::string& suffix) const override {
    if (!cut(text, part)) return false;
    append_suffix(suffix);
    return true;
  }

 private:
  // Component index_ of `s`; false when it is missing or empty.
  bool cut(std::string_view s, std::string_view& part) const {
    for (std::size_t i = 1; i < index_; ++i) {
      const std::size_t at = s.find(separator_);
      if (at == std::string_view::npos) return false;
      s.remove_prefix(at + 1);
    }
    part = s.substr(0, s.find(separator_));
    return !part.empty();
  }
  void append_suffix(std::string& location) const {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, index_).ptr;
    location += '.';
    location.append(digits, end);
  }

  std::size_t index_;
  char separator_;
};

class Join final : public Step {
 public:
  explicit Join(std::string separator) : separator_(std::move(separator)) {}
  bool combines() const override { return true; }
  void run(Values& values, const StepEnv&) const override {
    if (values.size() <= 1) {
      if (!values.empty() && !values[0].is_text()) values[0].payload = to_text(values[0]);
      return;
    }
    Value joined;
    std::string text;
    std::string location;
    for (const Value& v : values) {
      const std::string part = to_text(v);
      if (part.empty()) continue;
      if (!text.empty()) text += separator_;
      text += part;
      // "PID-5.1, PID-5.2": where the combined value came from.
      if (!v.location.empty() && location.find(v.location) == std::string::npos) {
        if (!location.empty()) location += ", ";
        location += v.location;
      }
    }
    values.clear();
    if (!text.empty()) values.emplace_back(std::move(text), std::move(location));
  }

 private:
  std::string separator_;
};

class Default final : public Step {
 public:
  explicit Default(Value value) : value_(std::move(value)) {}
  void run(Values& values, const StepEnv&) const override {
    if (values.empty()) values.push_back(value_);
  }

 private:
  Value value_;
};

class OneOf final : public Step {
 public:
  explicit OneOf(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {
    for (const std::string& a : allowed_) list_ += (list_.empty() ? "" : ", ") + a;
  }
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      const std::string text = to_text(v);
      if (std::find(allowed_.begin(), allowed_.end(), text) != allowed_.end()) return true;
      env.fail(v, quote_value(text) + " is not one of " + list_, core::ErrorKind::code_unknown);
      return false;
    });
  }

 private:
  std::vector<std::string> allowed_;
  std::string list_;
};

class Pattern final : public Step {
 public:
  explicit Pattern(std::shared_ptr<const CompiledRegex> regex) : regex_(std::move(regex)) {}
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      if (too_long(v, env)) return false;
      if (std::regex_match(v.text(), regex_->regex)) return true;
      env.fail(v, quote_value(v.text()) + " does not match the pattern " + regex_->text, core::ErrorKind::data_type);
      return false;
    });
  }

 private:
  std::shared_ptr<const CompiledRegex> regex_;
};

// Normalises what senders do to ID numbers (spaces, a lower-case x, the 15-digit numbers of
// before 1999) and then checks the number, so the error names the sender's own value.
// {script: han}: only the values written in the script. A name whose parts come without a
// code saying which is the hanzi and which the pinyin (ZHANG SAN^张三) is sorted this way.
class ScriptFilter final : public Step {
 public:
  explicit ScriptFilter(ScriptSet scripts) : scripts_(scripts) {}
  void run(Values& values, const StepEnv&) const override {
    each_value(values, [this](const Value& v) { return written_in(v.text(), scripts_); });
  }

 private:
  ScriptSet scripts_;
};

class ResidentId final : public Step {
 public:
  void run(Values& values, const StepEnv& env) const override {
    each_value(values, [&](Value& v) {
      auto id = core::resident_id_from_source(v.text(), env.today());
      if (!id) {
        env.fail(v, v.text() + ": " + id.error(), core::ErrorKind::data_type);
        return false;
      }
      v.text() = std::move(id).value();
      return true;
    });
  }
};

}  // namespace

std::string quote_value(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return "'" + std::string(text.substr(0, cut)) + "…'";
}

std::unique_ptr<Step> make_trim() { return std::make_unique<Trim>(); }
std::unique_ptr<Step> make_upper() { return std::make_unique<ChangeCase>(true); }
std::unique_ptr<Step> make_lower() { return std::make_unique<ChangeCase>(false); }
std::unique_ptr<Step> make_substring(std::size_t start, std::optional<std::size_t> length) {
  return std::make_unique<Substring>(start, length);
}
std::unique_ptr<Step> make_extract(std::shared_ptr<const CompiledRegex> regex) {
  return std::make_unique<Extract>(std::move(regex));
}
std::unique_ptr<Step> make_replace(std::shared_ptr<const CompiledRegex> regex, std::string with) {
  return std::make_unique<Replace>(std::move(regex), std::move(with));
}
std::unique_ptr<Step> make_split(std::string separator) { return std::make_unique<Split>(std::move(separator)); }
std::unique_ptr<Step> make_component(std::size_t index, char separator) {
  return std::make_unique<Component>(index, separator);
}
std::unique_ptr<Step> make_join(std::string separator) { return std::make_unique<Join>(std::move(separator)); }
std::unique_ptr<Step> make_default(Value value) { return std::make_unique<Default>(std::move(value)); }
std::unique_ptr<Step> make_one_of(std::vector<std::string> allowed) { return std::make_unique<OneOf>(std::move(allowed)); }
std::unique_ptr<Step> make_pattern(std::shared_ptr<const CompiledRegex> regex) {
  return std::make_unique<Pattern>(std::move(regex));
}
std::unique_ptr<Step> make_resident_id() { return std::make_unique<ResidentId>(); }
std::unique_ptr<Step> make_script_filter(ScriptSet scripts) { return std::make_unique<ScriptFilter>(scripts); }

}  // namespace kq::mapping::detail
