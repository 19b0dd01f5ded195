#pragma once
// Parsing and printing of the scalar forms a configuration may contain (integers, booleans,
// durations, sizes) and the "did you mean" helper. Kept apart from the schema so that mapping
// files and the CLI can reuse exactly the same spellings and messages.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kq::config {

// Each parser returns the value, or std::nullopt with `error` set to a complete sentence that
// can be shown to the user after "file:line:col: " (e.g. "expected an integer, found 'abc'").

// Decimal integer, optional leading '-'. No '+', no hex, no fractions, no separators.
std::optional<std::int64_t> parse_integer(std::string_view text, std::string& error);

// true/false in the spellings of the YAML 1.2 core schema (true, True, TRUE, ...). The YAML 1.1
// words yes/no/on/off are refused on purpose: `no` as a country code or `on` as a word has
// bitten enough people.
std::optional<bool> parse_boolean(std::string_view text, std::string& error);

// "<digits><unit>" with unit ms, s, m or h; result in milliseconds. A bare number is refused
// because "timeout: 30" is ambiguous (30 ms? 30 s?); the message suggests adding a unit.
std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::string& error);

// "<digits>" (bytes) or "<digits><unit>" with unit B, KiB, MiB, GiB or TiB (powers of 1024).
// KB/MB/GB are refused as ambiguous (1000 or 1024?) with a hint to write KiB/MiB/GiB.
std::optional<std::int64_t> parse_bytes(std::string_view text, std::string& error);

// The inverse of the parsers, choosing the largest unit that represents the value exactly:
// 90000 -> "90s", 120000 -> "2m", 1500 -> "1500ms"; 65536 -> "64KiB", 1000 -> "1000".
std::string format_duration_ms(std::int64_t ms);
std::string format_bytes(std::int64_t bytes);

// Quotes user text for a message, shortening it so that a pasted certificate does not flood
// the terminal: 'abc', or 'first forty characters...'.
std::string quote_found(std::string_view text);

// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
// neighbours each cost 1, so "prot" is 1 away from "port".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `wrong`, if it is close enough to be a plausible typo. '-' and '_'
// are treated alike and case is ignored, so "max-body-bytes" finds "max_body_bytes".
std::optional<std::string> nearest_name(std::string_view wrong, const std::vector<std::string>& candidates);

}  // namespace kq::config
