// Evaluating alert rules for one record.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gateway/derived/alert_rules.hpp"
#include "gateway/mapping/runtime/name_uuid.hpp"

namespace kq::derived {

namespace {

std::string category_of(AlertKind kind) {
  switch (kind) {
    case AlertKind::new_screening_myopia:
    case AlertKind::acuity_drop: return "vision";
    case AlertKind::bmi_category:
    case AlertKind::overall_level: return "physical_fitness";
    case AlertKind::mental_health_positive:
    case AlertKind::self_harm: return "mental_health";
  }
  return "vision";
}

struct Source {
  const std::string& id;
  const std::string& person_id;
  const std::string& org_id;
  std::optional<core::PartialDate> observed_on;
};

// An alert of `rule` about the record `source`. The id is derived from the rule and the record,
// so that processing the same record again updates its alert instead of adding a second one; a
// record without an id yet gets an alert without one (the store assigns it).
core::Alert make_alert(const AlertRules& rules, const AlertRule& rule, const Source& source, const core::DateTime& now,
                       std::string summary, std::vector<core::AlertValue> values) {
  core::Alert alert;
  if (!source.id.empty()) alert.id = mapping::detail::name_uuid("alert\x1f" + rule.id + '\x1f' + source.id);
  alert.person_id = source.person_id;
  alert.org_id = source.org_id;
  alert.rule_id = rule.id;
  alert.rule_version = rules.id();
  alert.severity = rule.severity;
  alert.category = category_of(rule.kind);
  alert.summary = std::move(summary);
  alert.values = std::move(values);
  if (!source.id.empty()) alert.source_ids.push_back(source.id);
  alert.observed_on = source.observed_on;
  alert.raised_at = now;
  return alert;
}

// Acuity as a chart line is written ("5.0", "4.8"), never shortened to "5".
std::string acuity(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

void eye_values(const core::VisionScreening& s, const std::string& prefix, std::vector<core::AlertValue>& out) {
  for (const auto& [name, eye] : {std::pair{"right_eye", &s.right_eye}, std::pair{"left_eye", &s.left_eye}}) {
    if (!*eye) continue;
    if ((*eye)->ucva_5pt) out.push_back({prefix + name + ".ucva_5pt", acuity(*(*eye)->ucva_5pt)});
    if ((*eye)->se) out.push_back({prefix + name + ".se", format_number(*(*eye)->se)});
  }
}

bool listed(const std::vector<std::string>& list, const std::optional<std::string>& value) {
  return value && std::find(list.begin(), list.end(), *value) != list.end();
}

}  // namespace

std::vector<core::Alert> vision_alerts(const AlertRules& rules, const core::VisionScreening& current,
                                       const core::VisionScreening* previous, const core::DateTime& now) {
  std::vector<core::Alert> out;
  const Source source{current.id, current.person_id, current.org_id, current.date};
  // Only an earlier screening is "previous"; one of the same day or later says nothing about change.
  if (previous != nullptr && previous->date && current.date &&
      previous->date->last_day_number() >= current.date->first_day_number()) {
    previous = nullptr;
  }
  const bool excluded = current.rate_exclusion.has_value() || (previous != nullptr && previous->rate_exclusion);
  const std::string since = previous != nullptr && previous->date ? previous->date->iso() : "the previous screening";
  for (const AlertRule& rule : rules.rules) {
    if (!rule.enabled) continue;
    if (rule.kind == AlertKind::new_screening_myopia) {
      if (current.rate_exclusion || !current.screening_myopia.value_or(false)) continue;
      if (previous != nullptr ? (previous->screening_myopia.value_or(false) || previous->rate_exclusion.has_value())
                              : !rule.first_screening_counts) {
        continue;
      }
      std::vector<core::AlertValue> values = {{"screening_myopia", "true"}};
      if (current.myopia_degree) values.push_back({"myopia_degree", *current.myopia_degree});
      eye_values(current, "", values);
      if (previous != nullptr) {
        values.push_back({"previous.screening_myopia", previous->screening_myopia ? "false" : "unknown"});
        if (previous->date) values.push_back({"previous.date", previous->date->iso()});
      }
      out.push_back(make_alert(rules, rule, source, now,
                               previous != nullptr ? "筛查性近视 (screening myopia), not found at " + since
                                                   : "筛查性近视 (screening myopia) at the first screening on record",
                               std::move(values)));
    } else if (rule.kind == AlertKind::acuity_drop) {
      if (previous == nullptr || excluded) continue;
      std::vector<core::AlertValue> values;
      std::string eyes;
      for (const auto& [name, now_eye, then_eye] :
           {std::tuple{"right_eye", &current.right_eye, &previous->right_eye},
            std::tuple{"left_eye", &current.left_eye, &previous->left_eye}}) {
        if (!*now_eye || !*then_eye || !(*now_eye)->ucva_5pt || !(*then_eye)->ucva_5pt) continue;
        const double was = *(*then_eye)->ucva_5pt, is = *(*now_eye)->ucva_5pt;
        const long lines = std::lround((was - is) * 10);  // acuity lies on 0.1 steps: count them exactly
        if (lines < rule.lines) continue;
        values.push_back({std::string(name) + ".ucva_5pt", acuity(is)});
        values.push_back({"previous." + std::string(name) + ".ucva_5pt", acuity(was)});
        eyes += (eyes.empty() ? "" : ", ") + std::string(name == std::string_view("right_eye") ? "right" : "left") +
                " eye " + acuity(was) + " → " + acuity(is);
      }
      if (values.empty()) continue;
      if (previous->date) values.push_back({"previous.date", previous->date->iso()});
      out.push_back(make_alert(rules, rule, source, now,
                               "uncorrected acuity fell by " + std::to_string(rule.lines) + " lines or more since " +
                                   since + ": " + eyes,
                               std::move(values)));
    }
  }
  return out;
}

std::vector<core::Alert> fitness_alerts(const AlertRules& rules, const core::FitnessTest& test,
                                        const core::DateTime& now) {
  std::vector<core::Alert> out;
  const Source source{test.id, test.person_id, test.org_id, test.test_date};
  for (const AlertRule& rule : rules.rules) {
    if (!rule.enabled) continue;
    if (rule.kind == AlertKind::bmi_category) {
      for (const core::FitnessItem& item : test.items) {
        if (item.item_code != "bmi" || !listed(rule.levels, item.level)) continue;
        std::vector<core::AlertValue> values = {{"bmi.level", *item.level}};
        if (item.raw_value) values.push_back({"bmi", format_number(*item.raw_value, 1)});
        values.push_back({"bmi.computed_by", item.computed_by.value_or("sender")});
        out.push_back(make_alert(rules, rule, source, now,
                                 "BMI " + (item.raw_value ? format_number(*item.raw_value, 1) + " " : std::string()) +
                                     "is " + *item.level + " by the fitness standard's table",
                                 std::move(values)));
        break;
      }
    } else if (rule.kind == AlertKind::overall_level && listed(rule.levels, test.overall_level)) {
      std::vector<core::AlertValue> values = {{"overall_level", *test.overall_level}};
      if (test.total_score) values.push_back({"total_score", format_number(*test.total_score)});
      values.push_back({"computed_by", test.computed_by.value_or("sender")});
      out.push_back(make_alert(rules, rule, source, now,
                               "fitness test overall level " + *test.overall_level +
                                   (test.total_score ? " (total " + format_number(*test.total_score) + ")" : ""),
                               std::move(values)));
    }
  }
  return out;
}

std::vector<core::Alert> mental_health_alerts(const AlertRules& rules, const core::MentalHealthScreening& screening,
                                              const MentalHealthFindings& findings, const core::DateTime& now) {
  std::vector<core::Alert> out;
  std::optional<core::PartialDate> on;
  if (screening.administered_at) on = screening.administered_at->local_date();
  const Source source{screening.id, screening.person_id, screening.org_id, on};
  for (const AlertRule& rule : rules.rules) {
    if (!rule.enabled) continue;
    if (rule.kind != AlertKind::mental_health_positive && rule.kind != AlertKind::self_harm) continue;
    const bool want_self_harm = rule.kind == AlertKind::self_harm;
    std::vector<core::AlertValue> values;
    std::string reasons;
    for (const MentalHealthFinding& finding : findings.positives) {
      if (finding.self_harm != want_self_harm) continue;
      values.push_back({"rule", finding.rule_id});
      values.insert(values.end(), finding.values.begin(), finding.values.end());
      reasons += (reasons.empty() ? "" : "; ") + finding.reason;
    }
    if (values.empty()) continue;
    values.push_back({"instrument", screening.instrument.code});
    values.push_back({"mental_health_rules", findings.rule});
    // The summary says what to do, not what the answers were: it may be read by a class teacher.
    out.push_back(make_alert(rules, rule, source, now,
                             (want_self_harm ? "self-harm item answered: follow up today (" : "positive screening, " +
                                                                                                   screening.instrument.code +
                                                                                                   " (") +
                                 reasons + "); screening is not diagnosis",
                             std::move(values)));
  }
  return out;
}

}  // namespace kq::derived
