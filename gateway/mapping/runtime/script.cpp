#include "gateway/mapping/runtime/script.hpp"

namespace kq::mapping::detail {

namespace {

enum class Class { neutral, han, latin, other };

bool in(char32_t c, char32_t low, char32_t high) { return c >= low && c <= high; }

Class classify(char32_t c) {
  if (c < 0x80) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    return letter ? Class::latin : Class::neutral;
  }
  // Han: the CJK unified ideographs and their extensions A to H, the compatibility ideographs,
  // and 〇 (U+3007), which names use as a character.
  if (in(c, 0x4E00, 0x9FFF) || in(c, 0x3400, 0x4DBF) || in(c, 0x20000, 0x323AF) || in(c, 0xF900, 0xFAFF) ||
      in(c, 0x2F800, 0x2FA1F) || c == 0x3007) {
    return Class::han;
  }
  // Latin: accented letters (pinyin with tone marks: Lǚ, Zhāng) and full-width letters.
  if ((in(c, 0xC0, 0x24F) && c != 0xD7 && c != 0xF7) || in(c, 0x1E00, 0x1EFF) || in(c, 0xFF21, 0xFF3A) ||
      in(c, 0xFF41, 0xFF5A)) {
    return Class::latin;
  }
  // Not letters: Latin-1 signs (the middle dot · of transliterated names), combining accents,
  // general punctuation, CJK punctuation and spaces, the katakana middle dot, full-width signs.
  if (in(c, 0x80, 0xBF) || c == 0xD7 || c == 0xF7 || in(c, 0x300, 0x36F) || in(c, 0x2000, 0x206F) ||
      in(c, 0x3000, 0x303F) || c == 0x30FB || in(c, 0xFF00, 0xFF20) || in(c, 0xFF3B, 0xFF40) ||
      in(c, 0xFF5B, 0xFFEF)) {
    return Class::neutral;
  }
  return Class::other;
}

// The next code point of UTF-8 text; U+FFFF (another script) for a malformed sequence.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) {
    ++i;
    return 0xFFFF;
  }
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFF;
    }
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  return c;
}

}  // namespace

std::optional<Script> parse_script(std::string_view name) {
  if (name == "han") return Script::han;
  if (name == "latin") return Script::latin;
  return std::nullopt;
}

std::vector<std::string_view> script_names() { return {"han", "latin"}; }

std::optional<Script> script_of(std::string_view text) {
  bool han = false, latin = false;
  for (std::size_t i = 0; i < text.size();) {
    switch (classify(next_code_point(text, i))) {
      case Class::neutral: break;
      case Class::han: han = true; break;
      case Class::latin: latin = true; break;
      case Class::other: return std::nullopt;
    }
  }
  if (han == latin) return std::nullopt;  // no letter at all, or both scripts
  return han ? Script::han : Script::latin;
}

}  // namespace kq::mapping::detail
