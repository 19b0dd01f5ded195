#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {

namespace {

class Hl7v2Format final : public Format {
 public:
  std::string_view name() const override { return "hl7v2"; }

  std::unique_ptr<Path> compile_path(std::string_view text, std::string& error) const override {
    return hl7v2::compile_path(text, error);
  }

  std::unique_ptr<Document> parse(std::string_view bytes, const ParseOptions& options,
                                  ParseError& error) const override {
    return Hl7Message::parse(bytes, options, error);
  }
};

}  // namespace

const Format& hl7v2_format() {
  static const Hl7v2Format format;
  return format;
}

}  // namespace kq::formats
