#pragma once
// Which parts of a mapping the mapping tests exercised: every record rule and field mapping,
// and every entry of every value set. Only the test runner collects it; apply() skips all of it
// when ApplyOptions::coverage is null.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gateway/config/source_location.hpp"

namespace kq::mapping {

class CompiledMapping;
class ValueSet;

class Coverage {
 public:
  void hit_rule(const CompiledMapping* mapping, int rule);
  void hit_code(const ValueSet* set, int entry);

  bool rule_hit(const CompiledMapping* mapping, int rule) const;
  bool code_hit(const ValueSet* set, int entry) const;

  struct Gap {
    std::string what;  // "patient.name.pinyin", "gbt2261_1_sex: 9"
    config::SourceLocation where;
  };
  // The rules of `mapping` that no application produced a value for.
  std::vector<Gap> unused_rules(const CompiledMapping& mapping) const;
  // The entries of `set` that no lookup found.
  std::vector<Gap> unused_codes(const ValueSet& set) const;

  // How much was exercised, as figures: rules counted once per place in the files (as
  // unused_rules lists them), codes once per entry.
  struct Count {
    int exercised = 0;
    int total = 0;
    double percent() const { return total == 0 ? 100.0 : 100.0 * exercised / total; }
  };
  Count rule_count(const CompiledMapping& mapping) const;
  Count code_count(const ValueSet& set) const;

 private:
  std::set<std::string> exercised_places(const CompiledMapping& mapping) const;

  std::map<const CompiledMapping*, std::vector<bool>> rules_;
  std::map<const ValueSet*, std::vector<bool>> codes_;
};

}  // namespace kq::mapping
