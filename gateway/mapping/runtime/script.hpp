#pragma once
// Which script a value is written in: Han characters (张三) or Latin letters (ZHANG SAN, Zhāng
// Sān). Used by the `script` condition and step, so that a mapping can tell a name in hanzi from
// its pinyin when the sender does not say which is which (HL7 XPN.8 left empty).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kq::mapping::detail {

enum class Script : std::uint8_t { han = 1, latin = 2 };

// A set of scripts, as the mapping names them: `{script: han}`, `{script: [han, latin]}`.
using ScriptSet = std::uint8_t;
inline constexpr ScriptSet script_bit(Script s) { return static_cast<ScriptSet>(s); }

std::optional<Script> parse_script(std::string_view name);  // "han", "latin"
std::vector<std::string_view> script_names();

// The script every letter of `text` belongs to; nullopt when it has no letter, mixes scripts or
// holds a letter of another script (Cyrillic, kana …). Spaces, digits, punctuation, the middle
// dot of 买买提·艾力 and combining accents are not letters and do not count.
std::optional<Script> script_of(std::string_view text);

// Whether `text` is written in one of `scripts`.
inline bool written_in(std::string_view text, ScriptSet scripts) {
  const std::optional<Script> s = script_of(text);
  return s && (scripts & script_bit(*s)) != 0;
}

}  // namespace kq::mapping::detail
