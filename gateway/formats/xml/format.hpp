#pragma once
// XML documents (WS/T 500 CDA, registry rosters) and XPath 1.0 paths, on libxml2.
//
// Paths are XPath 1.0 expressions, compiled when a mapping loads. Built-in namespace prefixes,
// fixed on purpose (mappings stay portable and a document cannot redefine what a path means):
//   hl7, v3  urn:hl7-org:v3                               (CDA R2, WS/T 500)
//   sdtc     urn:hl7-org:sdtc                             (CDA extensions)
//   xsi      http://www.w3.org/2001/XMLSchema-instance
// XPath 1.0 has no default namespace: in a CDA document every element must carry a prefix,
// `/hl7:ClinicalDocument/hl7:id/@root`; an unprefixed name only matches elements in no namespace.
// A path using any other prefix, a variable or a function outside XPath 1.0's core library is
// refused at compile time.
//
// Results: a node set gives one match per node in document order, its text the node's exact
// XPath string value (an element's concatenated text, untrimmed; an attribute's value; an empty
// element gives an empty match) and its location a readable path such as
// /ClinicalDocument/recordTarget/patientRole/id[2]/@extension (local names, [n] only where a
// name repeats among siblings). A string, number or boolean result gives one match, unless it is
// the empty string (XPath cannot tell an absent node from an empty one there). Relative paths are
// evaluated against the scope node when there is a scope, otherwise against the document.
//
// Safety: documents with a DOCTYPE are refused outright (CDA never needs one, and refusing it
// closes entity expansion and external entities at once); the network, DTD loading and XInclude
// are never used; ParseOptions::max_bytes and max_depth are enforced (libxml2 itself stops at
// depth 256 unless told otherwise, so that is the effective ceiling). One select may take at
// most 20 million XPath steps: a quadratic path over a large hostile document is abandoned (it
// selects nothing) instead of holding a worker thread.
//
// Threads: compiled paths may be shared between threads; a Document is used by one thread at a
// time (evaluation keeps an XPath context inside the document).
#include "gateway/formats/source.hpp"

namespace kq::formats {

const Format& xml_format();

}  // namespace kq::formats
