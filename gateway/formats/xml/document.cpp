#include "gateway/formats/xml/document.hpp"

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace kq::formats {

namespace {

void ignore_xpath_error(void*, xmlErrorPtr) {}  // evaluation errors surface as "no match"

std::string as_string(const xmlChar* text) { return text == nullptr ? "" : reinterpret_cast<const char*>(text); }

std::string qualified(const xmlNs* ns, const xmlChar* name) {
  if (ns != nullptr && ns->prefix != nullptr) return as_string(ns->prefix) + ":" + as_string(name);
  return as_string(name);
}

// Siblings are numbered per name (elements, qualified by namespace URI) or per kind (text, ...),
// as XPath's positional predicates count them.
std::string sibling_key(const xmlNode* node) {
  switch (node->type) {
    case XML_ELEMENT_NODE:
      return (node->ns != nullptr ? as_string(node->ns->href) : "") + '\x1f' + as_string(node->name);
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      return "#text";
    case XML_COMMENT_NODE:
      return "#comment";
    case XML_PI_NODE:
      return "#pi " + as_string(node->name);
    default:
      return "#other";
  }
}

}  // namespace

void ensure_libxml_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

void register_builtin_namespaces(xmlXPathContextPtr context) {
  static constexpr const char* kBindings[][2] = {
      {"hl7", "urn:hl7-org:v3"},
      {"v3", "urn:hl7-org:v3"},
      {"sdtc", "urn:hl7-org:sdtc"},
      {"xsi", "http://www.w3.org/2001/XMLSchema-instance"},
  };
  for (const auto& binding : kBindings) {
    xmlXPathRegisterNs(context, reinterpret_cast<const xmlChar*>(binding[0]),
                       reinterpret_cast<const xmlChar*>(binding[1]));
  }
}

XmlDocument::XmlDocument(xmlDocPtr doc) : doc_(doc) {
  // Handles are kept in each node's _private slot, which libxml2 reserves for applications: it
  // makes node -> handle O(1) without a hash map as large as the document.
  add(root());
  xmlNodePtr cur = doc_->children;
  while (cur != nullptr) {
    add(cur);
    if (cur->type == XML_ELEMENT_NODE) {
      for (xmlAttrPtr attr = cur->properties; attr != nullptr; attr = attr->next) {
        add(reinterpret_cast<xmlNodePtr>(attr));
      }
      if (cur->children != nullptr) {
        cur = cur->children;
        continue;
      }
    }
    while (cur != nullptr && cur->next == nullptr) {
      cur = cur->parent;
      if (cur == root()) cur = nullptr;
    }
    if (cur != nullptr) cur = cur->next;
  }
  positions_.resize(nodes_.size());
  for (xmlNodePtr node : nodes_) {
    if (node->type == XML_ELEMENT_NODE || node->type == XML_DOCUMENT_NODE) number_siblings(node->children);
  }
}

XmlDocument::~XmlDocument() {
  if (context_ != nullptr) xmlXPathFreeContext(context_);
  xmlFreeDoc(doc_);
}

void XmlDocument::add(xmlNodePtr node) {
  nodes_.push_back(node);
  node->_private = reinterpret_cast<void*>(static_cast<std::uintptr_t>(nodes_.size()));
}

void XmlDocument::number_siblings(xmlNodePtr first) {
  std::unordered_map<std::string, std::uint32_t> counts;
  for (xmlNodePtr n = first; n != nullptr; n = n->next) ++counts[sibling_key(n)];
  std::unordered_map<std::string, std::uint32_t> seen;
  for (xmlNodePtr n = first; n != nullptr; n = n->next) {
    const std::uint64_t handle = handle_of(n);
    if (handle == 0) continue;
    const std::string key = sibling_key(n);
    positions_[handle - 1] = Position{++seen[key], counts[key] > 1};
  }
}

std::uint64_t XmlDocument::handle_of(const xmlNode* node) const {
  if (node == nullptr || node->type == XML_NAMESPACE_DECL) return 0;  // an xmlNs has no _private there
  const auto handle = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(node->_private));
  if (handle == 0 || handle > nodes_.size() || nodes_[handle - 1] != node) return 0;
  return handle;
}

xmlNodePtr XmlDocument::node(std::uint64_t handle) const {
  if (handle == 0 || handle > nodes_.size()) return nullptr;
  return nodes_[handle - 1];
}

std::string XmlDocument::step(const xmlNode* node) const {
  const std::uint64_t handle = handle_of(node);
  const Position position = handle != 0 ? positions_[handle - 1] : Position{};
  const std::string suffix = position.repeated ? "[" + std::to_string(position.index) + "]" : "";
  switch (node->type) {
    case XML_ELEMENT_NODE:
      return qualified(node->ns, node->name) + suffix;
    case XML_ATTRIBUTE_NODE:
      return "@" + qualified(node->ns, node->name);
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      return "text()" + suffix;
    case XML_COMMENT_NODE:
      return "comment()" + suffix;
    case XML_PI_NODE:
      return "processing-instruction('" + as_string(node->name) + "')" + suffix;
    default:
      return "node()";
  }
}

std::string XmlDocument::location(const xmlNode* node) const {
  if (node == nullptr) return "/";
  std::string tail;
  if (node->type == XML_NAMESPACE_DECL) {
    // XPath namespace nodes are copies whose `next` points at their element (libxml2's convention).
    const auto* ns = reinterpret_cast<const xmlNs*>(node);
    tail = "/namespace::" + as_string(ns->prefix);
    node = reinterpret_cast<const xmlNode*>(ns->next);
    if (node == nullptr || node->type != XML_ELEMENT_NODE) return tail;
  }
  std::vector<std::string> steps;
  for (const xmlNode* n = node; n != nullptr && n->type != XML_DOCUMENT_NODE; n = n->parent) {
    steps.push_back(step(n));
  }
  if (steps.empty()) return tail.empty() ? "/" : tail;
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) out += "/" + *it;
  return out + tail;
}

xmlXPathContextPtr XmlDocument::context() const {
  if (context_ == nullptr) {
    context_ = xmlXPathNewContext(doc_);
    register_builtin_namespaces(context_);
    context_->error = ignore_xpath_error;
  }
  return context_;
}

}  // namespace kq::formats
