// assess_vision and apply_vision: what the vision rules make of one screening.
#include <algorithm>
#include <cmath>

#include "gateway/core/record_validation.hpp"
#include "gateway/derived/vision_rules.hpp"

namespace kq::derived {

namespace {

constexpr double kEps = 1e-6;  // acuity lies on 0.1 steps and SE on 0.125: far coarser than this

// Whole years from the earliest possible birth day to the latest possible screening day: the
// oldest the child can have been, so that "too young" is only said when it is certain.
int oldest_age(const core::PartialDate& birth, const core::PartialDate& on) {
  const core::PartialDate b = birth.earliest_day();
  const core::PartialDate d = on.latest_day();
  int years = d.year() - b.year();
  if (d.month().value_or(1) < b.month().value_or(1) ||
      (d.month() == b.month() && d.day().value_or(1) < b.day().value_or(1))) {
    --years;
  }
  return years;
}

class EyeAssessor {
 public:
  EyeAssessor(const VisionRules& rules, std::vector<Refusal>& refusals) : rules_(rules), refusals_(refusals) {}

  EyeFindings assess(const std::optional<core::EyeExam>& eye, const std::string& name) {
    EyeFindings out;
    if (!eye) {
      refusals_.push_back({name, "not examined: no findings for this eye"});
      return out;
    }
    out.se = se_of(*eye);
    if (!eye->ucva_5pt) {
      refusals_.push_back({name + ".ucva_5pt", "no uncorrected acuity: no 视力不良 grade and no myopia flag"});
      return out;
    }
    const double ucva = *eye->ucva_5pt;
    out.impaired = ucva < rules_.impairment_below - kEps;
    if (*out.impaired) {
      for (const VisionGradeBand& band : rules_.impairment) {
        if (ucva >= band.from - kEps) {
          out.impairment = &band;
          break;
        }
      }
    }
    if (ucva >= rules_.myopia_ucva_below - kEps) {
      out.screening_myopia = false;
    } else if (!out.se) {
      refusals_.push_back({name + ".se", "acuity " + format_number(ucva, 1) +
                                             " is below " + format_number(rules_.myopia_ucva_below, 1) +
                                             " but there is no spherical equivalent (sphere and cylinder): myopia undecided"});
    } else {
      const double threshold = rules_.myopia_se_threshold;
      out.screening_myopia = rules_.myopia_se_inclusive ? *out.se <= threshold + kEps : *out.se < threshold - kEps;
    }
    if (out.screening_myopia.value_or(false)) {
      for (const MyopiaDegreeBand& band : rules_.degrees) {
        if (!band.se_from || *out.se >= *band.se_from - kEps) {
          out.degree = &band;
          break;
        }
      }
    }
    return out;
  }

 private:
  std::optional<double> se_of(const core::EyeExam& eye) const {
    if (eye.se) return eye.se;
    if (auto se = core::spherical_equivalent(eye.sphere_ds, eye.cylinder_dc)) return se;
    if (rules_.sphere_as_se && eye.sphere_ds && !eye.cylinder_dc) return eye.sphere_ds;
    return std::nullopt;
  }

  const VisionRules& rules_;
  std::vector<Refusal>& refusals_;
};

template <class Band>
std::ptrdiff_t rank(const std::vector<Band>& bands, const Band* band) {
  return band == nullptr ? -1 : band - bands.data();
}

void combine(const VisionRules& rules, VisionFindings& out) {
  const EyeFindings& r = out.right;
  const EyeFindings& l = out.left;
  if (r.screening_myopia.value_or(false) || l.screening_myopia.value_or(false)) {
    out.screening_myopia = true;
    const MyopiaDegreeBand* worse = rank(rules.degrees, r.degree) >= rank(rules.degrees, l.degree) ? r.degree : l.degree;
    if (worse != nullptr) out.myopia_degree = worse->degree;
  } else if (r.screening_myopia && l.screening_myopia) {
    out.screening_myopia = false;
  }
  // The worse eye decides the grade. With one eye unknown that is only certain when the known
  // eye already has the worst grade there is.
  const auto grade_rank = [&](const EyeFindings& e) -> std::optional<std::ptrdiff_t> {
    if (!e.impaired) return std::nullopt;
    return *e.impaired ? rank(rules.impairment, e.impairment) : -1;
  };
  const auto a = grade_rank(r), b = grade_rank(l);
  const std::ptrdiff_t worst_possible = static_cast<std::ptrdiff_t>(rules.impairment.size()) - 1;
  std::optional<std::ptrdiff_t> worst;
  if (a && b) {
    worst = std::max(*a, *b);
  } else if ((a && *a == worst_possible) || (b && *b == worst_possible)) {
    worst = worst_possible;
  }
  if (worst) out.vision_impairment = *worst < 0 ? std::string("none") : rules.impairment[*worst].grade;
}

}  // namespace

VisionFindings assess_vision(const VisionRules& rules, const core::VisionScreening& screening,
                             const VisionSubject& subject) {
  VisionFindings out;
  out.rule = rules.id();
  for (const auto* eye : {&screening.right_eye, &screening.left_eye}) {
    if (*eye && (*eye)->correction &&
        std::find(rules.excluded_corrections.begin(), rules.excluded_corrections.end(), *(*eye)->correction) !=
            rules.excluded_corrections.end()) {
      out.rate_exclusion = *(*eye)->correction;
    }
  }
  if (out.rate_exclusion) {
    out.refusals.push_back({"", *out.rate_exclusion + " wearer: uncorrected acuity and refraction do not show myopia; "
                                "no flag computed, and the screening is left out of myopia rates"});
    return out;
  }
  if (subject.birth_date && screening.date &&
      oldest_age(*subject.birth_date, *screening.date) < rules.applies_from_age) {
    out.refusals.push_back({"", "under " + std::to_string(rules.applies_from_age) +
                                    " on the screening date: the 视力不良 and myopia definitions start at that age"});
    return out;
  }
  EyeAssessor eyes(rules, out.refusals);
  out.right = eyes.assess(screening.right_eye, "right_eye");
  out.left = eyes.assess(screening.left_eye, "left_eye");
  combine(rules, out);
  return out;
}

std::vector<QualityWarning> apply_vision(core::VisionScreening& screening, const VisionFindings& findings) {
  std::vector<QualityWarning> warnings;
  auto text = [&](std::optional<std::string>& field, const std::optional<std::string>& computed, const char* name) {
    if (!computed) return;
    if (field && *field != *computed) warnings.push_back({name, name, *field, *computed, findings.rule});
    field = computed;
  };
  // An SE the sender left out but gave sphere and cylinder for is a derived value worth keeping.
  for (auto* eye : {&screening.right_eye, &screening.left_eye}) {
    if (*eye && !(*eye)->se) (*eye)->se = core::spherical_equivalent((*eye)->sphere_ds, (*eye)->cylinder_dc);
  }
  // The derived fields hold what the rules named in rule_version concluded, or nothing: a value the
  // sender concluded and the rules could not (an ortho-k wearer, a child under six, a missing
  // cylinder) is not kept under the rules' name — the raw sheet keeps it — and the receipt says so.
  auto not_confirmed = [&](const char* name, const std::string& sent) {
    warnings.push_back({name, name, sent, "(none)", findings.rule});
  };
  if (findings.screening_myopia) {
    const bool computed = *findings.screening_myopia;
    if (screening.screening_myopia && *screening.screening_myopia != computed) {
      warnings.push_back({"screening_myopia", "screening_myopia", *screening.screening_myopia ? "true" : "false",
                          computed ? "true" : "false", findings.rule});
    }
    screening.screening_myopia = computed;
  } else if (screening.screening_myopia) {
    not_confirmed("screening_myopia", *screening.screening_myopia ? "true" : "false");
    screening.screening_myopia.reset();
  }
  if (!findings.myopia_degree && screening.myopia_degree) {
    not_confirmed("myopia_degree", *screening.myopia_degree);
    screening.myopia_degree.reset();
  }
  text(screening.myopia_degree, findings.myopia_degree, "myopia_degree");
  if (!findings.vision_impairment && screening.vision_impairment) {
    not_confirmed("vision_impairment", *screening.vision_impairment);
    screening.vision_impairment.reset();
  }
  text(screening.vision_impairment, findings.vision_impairment, "vision_impairment");
  screening.rate_exclusion = findings.rate_exclusion;
  screening.rule_version = findings.rule;
  return warnings;
}

}  // namespace kq::derived
