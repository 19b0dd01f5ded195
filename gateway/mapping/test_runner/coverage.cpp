#include "gateway/mapping/test_runner/coverage.hpp"

#include <set>

#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/value_set.hpp"

namespace kq::mapping {

namespace {

void mark(std::vector<bool>& hits, int index) {
  if (index < 0) return;
  const auto i = static_cast<std::size_t>(index);
  if (hits.size() <= i) hits.resize(i + 1, false);
  hits[i] = true;
}

bool marked(const std::vector<bool>& hits, int index) {
  return index >= 0 && static_cast<std::size_t>(index) < hits.size() && hits[static_cast<std::size_t>(index)];
}

}  // namespace

void Coverage::hit_rule(const CompiledMapping* mapping, int rule) { mark(rules_[mapping], rule); }
void Coverage::hit_code(const ValueSet* set, int entry) { mark(codes_[set], entry); }

bool Coverage::rule_hit(const CompiledMapping* mapping, int rule) const {
  auto it = rules_.find(mapping);
  return it != rules_.end() && marked(it->second, rule);
}

bool Coverage::code_hit(const ValueSet* set, int entry) const {
  auto it = codes_.find(set);
  return it != codes_.end() && marked(it->second, entry);
}

namespace {

// One place of the file may be compiled more than once (a YAML alias, `let: *xpn`, used by
// several alternatives): it is exercised when any of its copies is.
std::string place_of(const detail::RuleInfo& info) { return info.where.str() + "\x1f" + info.what; }

}  // namespace

std::set<std::string> Coverage::exercised_places(const CompiledMapping& mapping) const {
  const auto& infos = mapping.plan().rule_infos;
  std::set<std::string> exercised;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (rule_hit(&mapping, static_cast<int>(i))) exercised.insert(place_of(infos[i]));
  }
  return exercised;
}

Coverage::Count Coverage::rule_count(const CompiledMapping& mapping) const {
  std::set<std::string> places;
  for (const detail::RuleInfo& info : mapping.plan().rule_infos) places.insert(place_of(info));
  return {static_cast<int>(exercised_places(mapping).size()), static_cast<int>(places.size())};
}

Coverage::Count Coverage::code_count(const ValueSet& set) const {
  Count count;
  count.total = static_cast<int>(set.entries().size());
  for (int i = 0; i < count.total; ++i) count.exercised += code_hit(&set, i) ? 1 : 0;
  return count;
}

std::vector<Coverage::Gap> Coverage::unused_rules(const CompiledMapping& mapping) const {
  const auto& infos = mapping.plan().rule_infos;
  const std::set<std::string> exercised = exercised_places(mapping);
  const auto key = place_of;
  std::vector<Gap> gaps;
  std::set<std::string> listed;
  for (const detail::RuleInfo& info : infos) {
    if (exercised.count(key(info)) == 0 && listed.insert(key(info)).second) gaps.push_back({info.what, info.where});
  }
  return gaps;
}

std::vector<Coverage::Gap> Coverage::unused_codes(const ValueSet& set) const {
  std::vector<Gap> gaps;
  const auto& entries = set.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!code_hit(&set, static_cast<int>(i))) gaps.push_back({set.name() + ": " + entries[i].source, entries[i].where});
  }
  return gaps;
}

}  // namespace kq::mapping
