#pragma once
// Internal to kq_formats: the parsed XML document that XPath paths evaluate against, and the
// libxml2 set-up shared by the XML and XLSX readers.
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/formats/source.hpp"

namespace kq::formats {

// libxml2 must be initialised once, before threads use it.
void ensure_libxml_initialised();

// Binds hl7/v3, sdtc and xsi (see xml.hpp) in an XPath context.
void register_builtin_namespaces(xmlXPathContextPtr context);

// XPath compilation for xml_format() (xml_path.cpp).
std::unique_ptr<Path> compile_xpath(std::string_view text, std::string& error);

class XmlDocument final : public Document {
 public:
  explicit XmlDocument(xmlDocPtr doc);  // takes ownership; indexes every node
  ~XmlDocument() override;
  XmlDocument(const XmlDocument&) = delete;
  XmlDocument& operator=(const XmlDocument&) = delete;

  std::string_view format() const override { return "xml"; }

  // Match handles: 1-based index of a node (document, element, attribute, text, comment, PI) in
  // document order; 0 for nodes that are not part of the tree (XPath namespace nodes).
  std::uint64_t handle_of(const xmlNode* node) const;
  xmlNodePtr node(std::uint64_t handle) const;  // nullptr for a handle from elsewhere
  xmlNodePtr root() const { return reinterpret_cast<xmlNodePtr>(doc_); }

  // "/ClinicalDocument/recordTarget/patientRole/id[2]/@extension"
  std::string location(const xmlNode* node) const;

  // The XPath context of this document, created on first use. Not thread-safe (see xml.hpp).
  xmlXPathContextPtr context() const;

 private:
  struct Position {
    std::uint32_t index = 1;  // among siblings of the same name (elements) or kind (text, ...)
    bool repeated = false;    // whether there are siblings of the same name: only then "[n]"
  };
  void add(xmlNodePtr node);
  void number_siblings(xmlNodePtr first);
  std::string step(const xmlNode* node) const;

  xmlDocPtr doc_;
  std::vector<xmlNodePtr> nodes_;
  std::vector<Position> positions_;
  mutable xmlXPathContextPtr context_ = nullptr;
};

}  // namespace kq::formats
