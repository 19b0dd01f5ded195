#include "import_receipt.hpp"

#include <kangqiao/json.hpp>

#include <cstdint>

namespace class_import {

namespace {

using kangqiao::json::Array;
using kangqiao::json::Object;

const char* outcome_word(kq_outcome_kind kind) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED: return "imported";
    case KQ_OUTCOME_DUPLICATE: return "duplicate";
    case KQ_OUTCOME_CONTENT_ERROR: return "not-imported";
    case KQ_OUTCOME_REJECTED: return "rejected";
    case KQ_OUTCOME_CONFLICT: return "conflict";
    case KQ_OUTCOME_TRANSIENT: return "not-stored";
    case KQ_OUTCOME_NOTHING_TO_DO: return "nothing-to-do";
  }
  return "unknown";
}

int status_of(kq_outcome_kind kind, const ImportState* state) {
  switch (kind) {
    case KQ_OUTCOME_COMMITTED:
    case KQ_OUTCOME_DUPLICATE:
    case KQ_OUTCOME_NOTHING_TO_DO: return 200;
    case KQ_OUTCOME_CONTENT_ERROR: return 422;
    case KQ_OUTCOME_REJECTED: return state != nullptr && state->refusal ? state->refusal_status : 422;
    case KQ_OUTCOME_CONFLICT: return 409;
    case KQ_OUTCOME_TRANSIENT: return 503;
  }
  return 500;
}

// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). A leading
// = + - @ would make Excel run the cell as a formula: such a value gets a leading apostrophe,
// which Excel shows as text (OWASP "CSV injection").
std::string csv_field(std::string_view text) {
  std::string out;
  if (!text.empty() && (text.front() == '=' || text.front() == '+' || text.front() == '-' || text.front() == '@')) {
    // A negative number ("-1.25") is a value, not a formula.
    bool number = text.size() > 1;
    for (char c : text.substr(1)) number = number && ((c >= '0' && c <= '9') || c == '.');
    if (!number) out += '\'';
  }
  out += text;
  if (out.find_first_of(",\"\r\n") == std::string::npos) return out;
  std::string quoted = "\"";
  for (char c : out) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string rejects_csv(const std::vector<Finding>& findings) {
  // 行号 (row), 列名 (column header), 值 (value), 原因 (reason), 处理 (what happened to the row).
  std::string out = "\xEF\xBB\xBF行号,列名,值,原因,处理\r\n";
  for (const Finding& f : findings) {
    out += (f.row > 0 ? std::to_string(f.row) : std::string()) + "," + csv_field(f.column) + "," +
           csv_field(f.value) + "," + csv_field(f.reason) + "," + (f.imported ? "已导入，请核对" : "未导入") + "\r\n";
  }
  return out;
}

Object finding_json(const Finding& f) {
  Object o;
  if (f.row > 0) o.add("row", static_cast<std::int64_t>(f.row));
  o.add("column", f.column).add("value", f.value).add("reason", f.reason);
  return o;
}

}  // namespace

void parse_place(std::string_view place, std::size_t& row, std::string& column) {
  row = 0;
  column.clear();
  if (const std::size_t at = place.find("row "); at != std::string_view::npos) {
    for (std::size_t i = at + 4; i < place.size() && place[i] >= '0' && place[i] <= '9'; ++i) {
      row = row * 10 + static_cast<std::size_t>(place[i] - '0');
    }
  }
  constexpr std::string_view kColumn = "column ";
  if (const std::size_t at = place.find(kColumn); at != std::string_view::npos) {
    std::string_view rest = place.substr(at + kColumn.size());
    // XLSX places end in the cell reference: "column 班级 (C3)".
    if (const std::size_t ref = rest.rfind(" ("); ref != std::string_view::npos && rest.ends_with(")")) {
      rest = rest.substr(0, ref);
    }
    column = std::string(rest);
  } else if (row == 0) {
    column = std::string(place);  // a column named alone ("学籍号"), or a place of another kind
  }
}

Receipt make_receipt(const ImportState* state, const kangqiao::Outcome& outcome,
                     const std::function<std::string(std::size_t row, const std::string& column)>& value_of) {
  Receipt receipt;
  receipt.http_status = status_of(outcome.kind(), state);
  Object o;
  o.add("outcome", outcome_word(outcome.kind()));
  if (!outcome.message_id().empty()) o.add("message_id", outcome.message_id());
  if (state != nullptr && !state->format.empty()) o.add("format", state->format);
  std::vector<Finding> findings;
  if (outcome.kind() == KQ_OUTCOME_REJECTED || outcome.kind() == KQ_OUTCOME_CONFLICT ||
      outcome.kind() == KQ_OUTCOME_TRANSIENT) {
    // Nothing of the file was looked at row by row: one reason for the whole file.
    const std::vector<kangqiao::ErrorDetail> errors = outcome.errors();
    Finding f;
    f.column = errors.empty() ? std::string() : errors.front().location;
    f.reason = errors.empty() ? std::string(outcome.reason()) : errors.front().reason;
    findings.push_back(f);
    o.add("refused", Object().add("field", f.column).add("reason", f.reason));
  } else {
    o.add("records", static_cast<std::int64_t>(outcome.record_ids().size()));
    Array rejected;
    for (const kangqiao::ErrorDetail& e : outcome.errors()) {
      Finding f;
      parse_place(e.location, f.row, f.column);
      if (f.row > 0 && !f.column.empty()) f.value = value_of(f.row, f.column);
      f.reason = e.reason;
      Object item = finding_json(f);
      item.add("kind", kangqiao::error_kind_name(e.kind));
      rejected.add_raw(item.str());
      findings.push_back(std::move(f));
    }
    o.add("rejected", rejected);
    // The gateway's findings on what was stored (ABI 1.4): a school's own total or myopia
    // conclusion that disagrees with the recomputed one, or a value that could not be derived.
    Array warnings;
    for (const kangqiao::Note& n : outcome.notes()) {
      Finding f;
      parse_place(n.location, f.row, f.column);
      if (f.row > 0 && !f.column.empty()) f.value = value_of(f.row, f.column);
      f.reason = n.reason;
      f.imported = true;
      Object item = finding_json(f);
      item.add("field", n.field).add("kind", n.mismatch ? "mismatch" : "not-derived");
      if (n.mismatch) item.add("sent", n.sent).add("computed", n.computed).add("rule", n.rule);
      warnings.add_raw(item.str());
      findings.push_back(std::move(f));
    }
    o.add("warnings", warnings);
    o.add_raw("duplicate_file", outcome.kind() == KQ_OUTCOME_DUPLICATE ? "true" : "false");
  }
  receipt.json = o.str();
  receipt.rejects_csv = rejects_csv(findings);
  return receipt;
}

}  // namespace class_import
