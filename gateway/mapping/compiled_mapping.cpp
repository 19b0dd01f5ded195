// CompiledMapping and the compile entry points.
#include <algorithm>

#include "gateway/config/source_location.hpp"
#include "gateway/mapping/compiler/compiler.hpp"
#include "gateway/mapping/runtime/evaluate.hpp"

namespace kq::mapping {

CompiledMapping::CompiledMapping(std::unique_ptr<detail::Plan> plan) : plan_(std::move(plan)) {
  detail::bind_setters(*plan_);
}
CompiledMapping::~CompiledMapping() = default;

const std::string& CompiledMapping::name() const { return plan_->name; }
const std::string& CompiledMapping::version() const { return plan_->version; }
const std::string& CompiledMapping::description() const { return plan_->description; }
const std::string& CompiledMapping::file() const { return plan_->file; }
const formats::Format& CompiledMapping::format() const { return *plan_->format; }
const formats::ParseOptions& CompiledMapping::parse_options() const { return plan_->parse_options; }

const std::vector<MappingVariable>& CompiledMapping::variables() const { return plan_->variables; }

const MappingVariable* CompiledMapping::variable(std::string_view name) const {
  for (const MappingVariable& v : plan_->variables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::string MappingVariable::check(std::string_view value) const {
  if (one_of.empty() || std::find(one_of.begin(), one_of.end(), value) != one_of.end()) return {};
  std::string allowed;
  for (const std::string& v : one_of) allowed += (allowed.empty() ? "" : ", ") + v;
  return "'" + std::string(value) + "' is not one of " + allowed;
}

MatchResult CompiledMapping::matches(const formats::Document& document) const {
  MatchResult result;
  if (!plan_->match) {
    result.matched = true;
    return result;
  }
  const ApplyOptions options;
  detail::Evaluator evaluator(*this, document, options);
  result.matched = evaluator.holds(*plan_->match, nullptr, &result.reason);
  return result;
}

std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file, const CompileOptions& options,
                                                       std::vector<config::ConfigError>& errors) {
  detail::Compiler compiler(options, errors);
  std::unique_ptr<detail::Plan> plan = compiler.compile_file(file);
  if (!plan) return nullptr;
  return std::make_shared<const CompiledMapping>(std::move(plan));
}

std::shared_ptr<const CompiledMapping> compile_mapping(const std::filesystem::path& file, const CompileOptions& options) {
  std::vector<config::ConfigError> errors;
  auto mapping = compile_mapping(file, options, errors);
  if (!mapping) {
    if (errors.empty()) errors.push_back({{file.string(), 0, 0}, "the mapping could not be compiled"});
    throw config::ConfigErrors(std::move(errors));
  }
  return mapping;
}

std::shared_ptr<const CompiledMapping> compile_mapping_from_string(std::string_view text, const std::string& name,
                                                                   const CompileOptions& options) {
  std::vector<config::ConfigError> errors;
  detail::Compiler compiler(options, errors);
  std::unique_ptr<detail::Plan> plan = compiler.compile_text(text, name, options.base_dir);
  if (!plan) {
    if (errors.empty()) errors.push_back({{name, 0, 0}, "the mapping could not be compiled"});
    throw config::ConfigErrors(std::move(errors));
  }
  return std::make_shared<const CompiledMapping>(std::move(plan));
}

}  // namespace kq::mapping
