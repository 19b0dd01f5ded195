#pragma once
// XLSX workbooks (Office Open XML spreadsheets from Excel, WPS or LibreOffice) as tabular
// documents; the path syntax is the one of tabular.hpp, shared with CSV.
//
// Which sheet: ParseOptions::sheet by its tab name, else the first visible sheet (the first sheet
// when all are hidden). With has_header the first non-blank row holds the headers.
// Cell text: shared and inline strings as written (rich-text runs joined, phonetic guides left
// out); numbers as the shortest decimal text at Excel's 15 significant digits, never in exponent
// form ("100", "0.3", "110105194912310000"); booleans "true"/"false"; error values as shown
// ("#N/A"); cells whose number format is a date (built-in formats 14–17, 22 and the Chinese date
// formats 27–31, 36, 50–54, 57, 58, or a custom format with y/m/d outside quotes) as ISO
// "2024-03-05", times as "08:30:00", date-times as "2024-03-05T08:30:00" — 1900 date system with
// Excel's phantom 1900-02-29, or the 1904 system when workbookPr says so. Empty cells give no match.
// Locations: "sheet 学生, row 12, column 班级 (C12)".
//
// Limits: the upload and the total inflated size of the parts read are both capped at
// ParseOptions::max_bytes (a zip bomb stops at the cap); encrypted workbooks and parts with a
// DOCTYPE are refused; XML nesting is capped at max_depth.
#include "gateway/formats/source.hpp"

namespace kq::formats {

const Format& xlsx_format();

}  // namespace kq::formats
