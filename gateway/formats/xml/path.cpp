// XPath 1.0 paths for xml_format(): compiled once, evaluated per document. See xml.hpp.
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include <array>
#include <string_view>

#include "gateway/formats/xml/document.hpp"

namespace kq::formats {

namespace {

constexpr unsigned long kOperationLimit = 20'000'000;  // XPath steps per select (libxml2's own count)
constexpr std::array<std::string_view, 4> kPrefixes{"hl7", "v3", "sdtc", "xsi"};
constexpr std::array<std::string_view, 27> kCoreFunctions{"last",
                                                          "position",
                                                          "count",
                                                          "id",
                                                          "local-name",
                                                          "namespace-uri",
                                                          "name",
                                                          "string",
                                                          "concat",
                                                          "starts-with",
                                                          "contains",
                                                          "substring-before",
                                                          "substring-after",
                                                          "substring",
                                                          "string-length",
                                                          "normalize-space",
                                                          "translate",
                                                          "boolean",
                                                          "not",
                                                          "true",
                                                          "false",
                                                          "lang",
                                                          "number",
                                                          "sum",
                                                          "floor",
                                                          "ceiling",
                                                          "round"};
constexpr std::array<std::string_view, 4> kNodeTests{"node", "text", "comment", "processing-instruction"};
constexpr std::array<std::string_view, 4> kOperatorNames{"and", "or", "div", "mod"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view word) {
  for (std::string_view w : list) {
    if (w == word) return true;
  }
  return false;
}

bool name_start(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
bool name_char(unsigned char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// libxml2 resolves prefixes, variables and functions only while evaluating, and only on the
// branches it reaches; scanning the tokens finds them all when the mapping loads.
bool check_names(std::string_view text, std::string& error) {
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : '\0'; };
  while (i < text.size()) {
    const unsigned char c = at(i);
    if (c == '"' || c == '\'') {
      const std::size_t close = text.find(static_cast<char>(c), i + 1);
      i = close == std::string_view::npos ? text.size() : close + 1;  // libxml2 reports the open literal
      continue;
    }
    if (c == '$') {
      std::size_t j = i + 1;
      while (name_char(at(j)) || at(j) == ':') ++j;
      error = "XPath variables are not supported: '" + std::string(text.substr(i, j - i)) + "'";
      return false;
    }
    if (c >= '0' && c <= '9') {  // a number such as 1.5: not the start of a name
      while (name_char(at(i))) ++i;
      continue;
    }
    if (!name_start(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (name_char(at(j))) ++j;
    const std::string_view word = text.substr(i, j - i);
    if (at(j) == ':' && at(j + 1) != ':') {
      if (!contains(kPrefixes, word)) {
        error = "unknown namespace prefix '" + std::string(word) +
                "'; the built-in prefixes are hl7 and v3 (urn:hl7-org:v3), sdtc (urn:hl7-org:sdtc) and xsi";
        return false;
      }
      std::size_t k = j + 1;
      while (name_char(at(k))) ++k;
      std::size_t p = k;
      while (at(p) == ' ' || at(p) == '\t' || at(p) == '\n' || at(p) == '\r') ++p;
      if (at(p) == '(') {
        error = "unknown XPath function '" + std::string(text.substr(i, k - i)) + "()'";
        return false;
      }
      i = k;
      continue;
    }
    std::size_t p = j;
    while (at(p) == ' ' || at(p) == '\t' || at(p) == '\n' || at(p) == '\r') ++p;
    if (at(p) == '(' && !contains(kOperatorNames, word) && !contains(kCoreFunctions, word) &&
        !contains(kNodeTests, word)) {
      error = "unknown XPath function '" + std::string(word) + "()'";
      return false;
    }
    i = j;
  }
  return true;
}

struct CapturedError {
  std::string message;
  int position = -1;
};

// libxml2 reports XPath errors by code only when a context handler receives them.
std::string xpath_reason(int code) {
  switch (code - XML_XPATH_EXPRESSION_OK) {
    case XPATH_NUMBER_ERROR:
      return "malformed number";
    case XPATH_UNFINISHED_LITERAL_ERROR:
      return "unfinished string literal";
    case XPATH_START_LITERAL_ERROR:
      return "expected a string literal";
    case XPATH_VARIABLE_REF_ERROR:
      return "malformed variable reference";
    case XPATH_INVALID_PREDICATE_ERROR:
      return "invalid predicate";
    case XPATH_UNCLOSED_ERROR:
      return "missing closing bracket";
    case XPATH_INVALID_OPERAND:
      return "invalid operand";
    case XPATH_INVALID_TYPE:
      return "invalid type";
    case XPATH_INVALID_ARITY:
      return "wrong number of arguments";
    case XPATH_INVALID_CHAR_ERROR:
      return "character not allowed in XPath";
    default:
      return "invalid expression";
  }
}

void capture_error(void* data, xmlErrorPtr err) {
  auto* captured = static_cast<CapturedError*>(data);
  if (!captured->message.empty() || err == nullptr) return;
  captured->message = xpath_reason(err->code);
  captured->position = err->int1;
}

struct ContextHolder {
  xmlXPathContextPtr context;
  ~ContextHolder() { xmlXPathFreeContext(context); }
};

std::string owned(xmlChar* text) {
  if (text == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(text));
  xmlFree(text);
  return out;
}

class XPath final : public Path {
 public:
  XPath(std::string text, xmlXPathCompExprPtr compiled) : text_(std::move(text)), compiled_(compiled) {}
  ~XPath() override { xmlXPathFreeCompExpr(compiled_); }
  XPath(const XPath&) = delete;
  XPath& operator=(const XPath&) = delete;

  const std::string& text() const override { return text_; }

  std::vector<Match> select(const Document& document, const Match* scope) const override {
    std::vector<Match> out;
    const auto* doc = dynamic_cast<const XmlDocument*>(&document);
    if (doc == nullptr) return out;
    xmlNodePtr start = scope != nullptr ? doc->node(scope->handle) : doc->root();
    if (start == nullptr) return out;
    xmlXPathContextPtr context = doc->context();
    // Paths are trusted but documents are not: a quadratic path over a large hostile document must
    // end. Past the limit libxml2 abandons the evaluation and the path selects nothing.
    context->opLimit = kOperationLimit;
    context->opCount = 0;
    context->node = start;
    context->contextSize = 1;
    context->proximityPosition = 1;
    xmlXPathObjectPtr result = xmlXPathCompiledEval(compiled_, context);
    if (result == nullptr) return out;
    if (result->type == XPATH_NODESET) {
      const xmlNodeSet* nodes = result->nodesetval;
      const int count = nodes != nullptr ? nodes->nodeNr : 0;
      out.reserve(static_cast<std::size_t>(count));
      for (int i = 0; i < count; ++i) {
        xmlNodePtr node = nodes->nodeTab[i];
        out.push_back(Match{owned(xmlXPathCastNodeToString(node)), doc->location(node), doc->handle_of(node)});
      }
    } else {
      std::string value = owned(xmlXPathCastToString(result));
      if (!value.empty()) out.push_back(Match{std::move(value), text_ + " at " + doc->location(start), 0});
    }
    xmlXPathFreeObject(result);
    return out;
  }

 private:
  std::string text_;
  xmlXPathCompExprPtr compiled_;
};

}  // namespace

std::unique_ptr<Path> compile_xpath(std::string_view text, std::string& error) {
  ensure_libxml_initialised();
  const std::string expr(text);
  if (expr.find_first_not_of(" \t\r\n") == std::string::npos) {
    error = "empty XPath expression";
    return nullptr;
  }
  if (expr.find('\0') != std::string::npos) {
    error = "XPath expression contains a NUL character";
    return nullptr;
  }
  if (!check_names(expr, error)) return nullptr;
  // A context only to receive libxml2's error instead of letting it print to stderr.
  CapturedError captured;
  ContextHolder holder{xmlXPathNewContext(nullptr)};
  register_builtin_namespaces(holder.context);
  holder.context->error = capture_error;
  holder.context->userData = &captured;
  xmlXPathCompExprPtr compiled = xmlXPathCtxtCompile(holder.context, reinterpret_cast<const xmlChar*>(expr.c_str()));
  if (compiled == nullptr) {
    error = "invalid XPath '" + expr + "': " + (captured.message.empty() ? "invalid expression" : captured.message);
    if (captured.position >= 0 && static_cast<std::size_t>(captured.position) < expr.size()) {
      error += " at character " + std::to_string(captured.position + 1);
    } else if (captured.position >= 0) {
      error += " at the end";
    }
    return nullptr;
  }
  // Arity and type errors surface only when evaluating; one dry run against an empty document
  // finds those on the top-level expression (predicates over absent nodes are never reached).
  xmlDocPtr probe = xmlReadMemory("<kq/>", 5, nullptr, nullptr, XML_PARSE_NONET);
  if (probe != nullptr) {
    holder.context->doc = probe;
    holder.context->node = xmlDocGetRootElement(probe);
    xmlXPathObjectPtr result = xmlXPathCompiledEval(compiled, holder.context);
    if (result != nullptr) xmlXPathFreeObject(result);
    holder.context->doc = nullptr;
    holder.context->node = nullptr;
    xmlFreeDoc(probe);
    if (!captured.message.empty()) {
      xmlXPathFreeCompExpr(compiled);
      error = "invalid XPath '" + expr + "': " + captured.message;
      return nullptr;
    }
  }
  return std::make_unique<XPath>(expr, compiled);
}

}  // namespace kq::formats
