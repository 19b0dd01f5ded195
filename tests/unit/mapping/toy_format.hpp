#pragma once
// A small source format for the engine's own tests, so that they do not depend on the real
// formats. A document is lines of `name=value`, a value has components separated by '^':
//
//   PAT=张三^Zhang San
//   OBR=1
//   OBX=HEIGHT^172.5^cm
//
// Paths: `name` (every line called name), `name.N` (component N, from 1), `.` and `.N` (the
// scope line itself). Inside the scope of a line, `name` finds the lines that follow it up to the
// next line with the scope's own name — the way an HL7 OBR groups the OBX segments after it.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/source.hpp"
#include "gateway/mapping/mapping.hpp"

namespace kq::mapping::testing {

class ToyDocument final : public formats::Document {
 public:
  struct Line {
    std::string name;
    std::vector<std::string> components;
  };
  std::string_view format() const override { return "toy"; }
  std::vector<Line> lines;
};

class ToyPath final : public formats::Path {
 public:
  ToyPath(std::string text, std::string name, int component)
      : text_(std::move(text)), name_(std::move(name)), component_(component) {}

  std::vector<formats::Match> select(const formats::Document& document, const formats::Match* scope) const override {
    const auto& doc = static_cast<const ToyDocument&>(document);
    std::vector<formats::Match> out;
    auto add = [&](std::size_t line) {
      const auto& l = doc.lines[line];
      formats::Match m;
      m.handle = line;
      m.location = "line " + std::to_string(line + 1);
      if (component_ == 0) {
        for (std::size_t i = 0; i < l.components.size(); ++i) m.text += (i ? "^" : "") + l.components[i];
      } else {
        m.location += "." + std::to_string(component_);
        if (static_cast<std::size_t>(component_) <= l.components.size()) {
          m.text = l.components[static_cast<std::size_t>(component_) - 1];
        }
      }
      out.push_back(std::move(m));
    };
    if (name_.empty()) {
      if (scope) add(scope->handle);
      return out;
    }
    std::size_t begin = 0, end = doc.lines.size();
    if (scope) {
      begin = scope->handle + 1;
      for (std::size_t i = begin; i < doc.lines.size(); ++i) {
        if (doc.lines[i].name == doc.lines[scope->handle].name) {
          end = i;
          break;
        }
      }
    }
    for (std::size_t i = begin; i < end; ++i) {
      if (doc.lines[i].name == name_) add(i);
    }
    return out;
  }
  const std::string& text() const override { return text_; }

 private:
  std::string text_;
  std::string name_;
  int component_;
};

class ToyFormat final : public formats::Format {
 public:
  std::string_view name() const override { return "toy"; }

  std::unique_ptr<formats::Path> compile_path(std::string_view text, std::string& error) const override {
    const std::size_t dot = text.find('.');
    const std::string name(text.substr(0, dot));
    for (char c : name) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        error = "'" + std::string(text) + "' is not a toy path (name or name.N)";
        return nullptr;
      }
    }
    int component = 0;
    if (dot != std::string_view::npos) {
      const std::string_view digits = text.substr(dot + 1);
      if (digits.empty()) {
        if (!name.empty()) {
          error = "component number missing after '.'";
          return nullptr;
        }
      }
      for (char c : digits) {
        if (c < '0' || c > '9') {
          error = "component must be a number";
          return nullptr;
        }
        component = component * 10 + (c - '0');
      }
    } else if (name.empty()) {
      error = "empty path";
      return nullptr;
    }
    return std::make_unique<ToyPath>(std::string(text), name, component);
  }

  std::unique_ptr<formats::Document> parse(std::string_view bytes, const formats::ParseOptions&,
                                           formats::ParseError& error) const override {
    auto doc = std::make_unique<ToyDocument>();
    std::size_t begin = 0;
    std::size_t line_no = 0;
    while (begin < bytes.size()) {
      std::size_t end = bytes.find('\n', begin);
      if (end == std::string_view::npos) end = bytes.size();
      std::string_view line = bytes.substr(begin, end - begin);
      ++line_no;
      begin = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      const std::size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        error = {"line " + std::to_string(line_no), "expected name=value"};
        return nullptr;
      }
      ToyDocument::Line l;
      l.name = std::string(line.substr(0, eq));
      std::string_view value = line.substr(eq + 1);
      for (;;) {
        const std::size_t caret = value.find('^');
        l.components.emplace_back(value.substr(0, caret));
        if (caret == std::string_view::npos) break;
        value.remove_prefix(caret + 1);
      }
      doc->lines.push_back(std::move(l));
    }
    return doc;
  }
};

inline const ToyFormat& toy_format() {
  static const ToyFormat format;
  return format;
}

inline FormatLookup toy_lookup() {
  return [](std::string_view name) -> const formats::Format* {
    return name == "toy" ? &toy_format() : nullptr;
  };
}

}  // namespace kq::mapping::testing
