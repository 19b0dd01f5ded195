#include "gateway/formats/source.hpp"

#include <array>
#include <atomic>

namespace kq::formats {

// Each format lives in its own files and exposes one instance.
const Format& hl7v2_format();
const Format& xml_format();
const Format& json_format();
const Format& csv_format();
const Format& xlsx_format();
const Format& fixed_format();

namespace {

// A built-in format as the gateway hands it out: the same format, counting what it parses, so
// that "a payload is parsed once per message" is a figure anyone can read (/metrics), not a hope.
class CountingFormat final : public Format {
 public:
  explicit CountingFormat(const Format& inner) : inner_(inner) {}
  std::string_view name() const override { return inner_.name(); }
  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    return inner_.compile_path(text, error);
  }
  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    parses_.fetch_add(1, std::memory_order_relaxed);
    return inner_.parse(bytes, options, error);
  }
  std::uint64_t parses() const { return parses_.load(std::memory_order_relaxed); }

 private:
  const Format& inner_;
  mutable std::atomic<std::uint64_t> parses_{0};
};

const std::array<CountingFormat, 6>& all_formats() {
  static const std::array<CountingFormat, 6> formats{
      CountingFormat(hl7v2_format()), CountingFormat(xml_format()),  CountingFormat(json_format()),
      CountingFormat(csv_format()),   CountingFormat(xlsx_format()), CountingFormat(fixed_format())};
  return formats;
}

}  // namespace

const Format* find_format(std::string_view name) {
  for (const CountingFormat& f : all_formats()) {
    if (f.name() == name) return &f;
  }
  return nullptr;
}

std::uint64_t parse_count(std::string_view name) {
  for (const CountingFormat& f : all_formats()) {
    if (f.name() == name) return f.parses();
  }
  return 0;
}

}  // namespace kq::formats
