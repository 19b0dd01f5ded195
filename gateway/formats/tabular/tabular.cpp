#include "gateway/formats/tabular/tabular.hpp"

#include <algorithm>
#include <charconv>

namespace kq::formats {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000, common in Chinese templates

bool strip_front(std::string_view& s) {
  for (std::string_view p : {std::string_view(" "), std::string_view("\t"), kIdeographicSpace, kBom}) {
    if (s.substr(0, p.size()) == p) {
      s.remove_prefix(p.size());
      return true;
    }
  }
  return false;
}

bool strip_back(std::string_view& s) {
  for (std::string_view p : {std::string_view(" "), std::string_view("\t"), kIdeographicSpace}) {
    if (s.size() >= p.size() && s.substr(s.size() - p.size()) == p) {
      s.remove_suffix(p.size());
      return true;
    }
  }
  return false;
}

enum class Target { kRows, kHeader, kPosition };

class TabularPath final : public Path {
 public:
  TabularPath(std::string text, Target target, std::string header, std::uint32_t column, bool optional = false)
      : text_(std::move(text)), target_(target), header_(std::move(header)), column_(column), optional_(optional) {}

  const std::string& text() const override { return text_; }
  Target target() const { return target_; }
  const std::string& header() const { return header_; }
  // optional[总分]: a file without the column is laid out as expected; its cells are just empty.
  bool optional() const { return optional_; }

  std::vector<Match> select(const Document& document, const Match* scope) const override {
    std::vector<Match> out;
    const auto* doc = dynamic_cast<const TabularDocument*>(&document);
    if (doc == nullptr) return out;
    const auto [first, last] = records_in_scope(doc->rows().size(), scope);
    std::uint32_t column = column_;
    if (target_ == Target::kHeader) {
      const auto found = doc->column_of(header_);
      if (!found) return out;
      column = *found;
    }
    for (std::size_t row = first; row < last; ++row) {
      if (target_ == Target::kRows) {
        out.push_back(Match{"", doc->row_location(row), row});
      } else if (const std::string* value = doc->cell(row, column)) {
        out.push_back(Match{*value, doc->cell_location(row, column), row});
      }
    }
    return out;
  }

 private:
  std::string text_;
  Target target_;
  std::string header_;
  std::uint32_t column_;
  bool optional_;
};

// column[班级] and optional[总分]: a header named explicitly.
std::unique_ptr<Path> compile_named_header(std::string_view text, std::string_view t, std::size_t prefix,
                                           bool optional, std::string& error) {
  if (t.back() != ']') {
    error = "expected ']' at the end of '" + std::string(t) + "'";
    return nullptr;
  }
  std::string header = trim_header(t.substr(prefix, t.size() - prefix - 1));
  if (header.empty()) {
    error = "empty header name in '" + std::string(t) + "'";
    return nullptr;
  }
  return std::make_unique<TabularPath>(std::string(text), Target::kHeader, std::move(header), 0, optional);
}

std::unique_ptr<Path> compile_position(std::string_view text, std::string_view spec, std::string& error) {
  std::uint32_t column = 0;
  bool ok = false;
  if (!spec.empty() && spec.front() >= '0' && spec.front() <= '9') {
    std::uint32_t number = 0;
    const auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), number);
    ok = ec == std::errc{} && end == spec.data() + spec.size() && number >= 1 && number <= kMaxColumns;
    column = number - 1;
  } else if (auto letters = parse_column_letters(spec)) {
    ok = true;
    column = *letters;
  }
  if (!ok) {
    error = "expected '$' and a column number from 1 to 16384 or letters from A to XFD (e.g. $3 or $C), found '" +
            std::string(text) + "'";
    return nullptr;
  }
  return std::make_unique<TabularPath>(std::string(text), Target::kPosition, "", column);
}

}  // namespace

std::string trim_header(std::string_view text) {
  while (strip_front(text)) {
  }
  while (strip_back(text)) {
  }
  return std::string(text);
}

std::string column_letters(std::uint32_t column) {
  std::string out;
  std::uint32_t n = column + 1;
  while (n > 0) {
    const std::uint32_t rem = (n - 1) % 26;
    out.insert(out.begin(), static_cast<char>('A' + rem));
    n = (n - 1) / 26;
  }
  return out;
}

std::optional<std::uint32_t> parse_column_letters(std::string_view letters) {
  if (letters.empty() || letters.size() > 3) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : letters) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return std::nullopt;
    n = n * 26 + static_cast<std::uint32_t>(c - 'A' + 1);
  }
  if (n > kMaxColumns) return std::nullopt;
  return n - 1;
}

std::unique_ptr<Path> compile_tabular_path(std::string_view text, std::string& error) {
  const std::string trimmed = trim_header(text);
  const std::string_view t = trimmed;
  if (t.empty()) {
    error = "empty column reference; write a header name such as 姓名, or $3";
    return nullptr;
  }
  if (t == "rows" || t == "rows[*]") {
    return std::make_unique<TabularPath>(std::string(text), Target::kRows, "", 0);
  }
  if (t.substr(0, 5) == "rows[") {
    error = "rows are selected with 'rows' or 'rows[*]', found '" + trimmed + "'";
    return nullptr;
  }
  if (t.starts_with("column[")) return compile_named_header(text, t, 7, false, error);
  if (t.starts_with("optional[")) return compile_named_header(text, t, 9, true, error);
  if (t.front() == '$') return compile_position(t, t.substr(1), error);
  return std::make_unique<TabularPath>(std::string(text), Target::kHeader, trimmed, 0);
}

TabularDocument::TabularDocument(std::string format, std::string sheet, std::vector<std::string> headers,
                                 std::vector<TabularRow> rows, bool cell_references)
    : format_(std::move(format)),
      sheet_(std::move(sheet)),
      headers_(std::move(headers)),
      rows_(std::move(rows)),
      cell_references_(cell_references) {
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (!headers_[i].empty()) columns_by_header_.emplace(headers_[i], static_cast<std::uint32_t>(i));
  }
}

std::optional<std::uint32_t> TabularDocument::column_of(std::string_view header) const {
  const auto it = columns_by_header_.find(std::string(header));
  if (it == columns_by_header_.end()) return std::nullopt;
  return it->second;
}

const std::string* TabularDocument::cell(std::size_t row, std::uint32_t column) const {
  if (row >= rows_.size()) return nullptr;
  const auto& cells = rows_[row].cells;
  const auto it = std::lower_bound(cells.begin(), cells.end(), column,
                                   [](const TabularCell& c, std::uint32_t col) { return c.column < col; });
  if (it == cells.end() || it->column != column) return nullptr;
  return &it->text;
}

std::string TabularDocument::row_location(std::size_t row) const {
  std::string out = sheet_.empty() ? "" : "sheet " + sheet_ + ", ";
  return out + "row " + std::to_string(row < rows_.size() ? rows_[row].number : 0);
}

std::string TabularDocument::cell_location(std::size_t row, std::uint32_t column) const {
  std::string out = row_location(row) + ", column ";
  if (column < headers_.size() && !headers_[column].empty()) {
    out += headers_[column];
  } else {
    out += cell_references_ ? column_letters(column) : std::to_string(column + 1);
  }
  if (cell_references_ && row < rows_.size()) {
    out += " (" + column_letters(column) + std::to_string(rows_[row].number) + ")";
  }
  return out;
}

std::string TabularDocument::missing_column(const Path& path) const {
  const auto* tabular = dynamic_cast<const TabularPath*>(&path);
  if (tabular == nullptr || tabular->target() != Target::kHeader || tabular->optional()) return "";
  if (column_of(tabular->header())) return "";
  std::string out = "column '" + tabular->header() + "' not found";
  if (!sheet_.empty()) out += " in sheet " + sheet_;
  std::string names;
  for (const std::string& h : headers_) {
    if (h.empty()) continue;
    names += names.empty() ? h : ", " + h;
  }
  if (names.empty()) return out + "; the file is read without a header row, so name columns by position ($3 or $C)";
  return out + "; headers are " + names;
}

}  // namespace kq::formats
