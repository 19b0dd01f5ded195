#pragma once
// Content rules of the canonical records, and the derived-value helpers they
// share with the scoring code.
//
// validate() returns every violation with the path of the field, like the JSON reader does, so
// a sender gets one complete list rather than one error per attempt. Rules that the domain
// says to warn about rather than reject (an ID number whose birth date disagrees with
// birth_date: data entry errors are common and the record is still useful) are in
// consistency_warnings() instead.
#include <optional>
#include <vector>

#include "gateway/core/dates.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/record.hpp"
#include "gateway/core/validation_context.hpp"

namespace kq::core {

std::vector<FieldError> validate(const Person& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Organization& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Enrollment& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Encounter& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Observation& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const FitnessTest& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const VisionScreening& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const MentalHealthScreening& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Diagnosis& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Procedure& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const InpatientSummary& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Consent& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Provenance& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const AuditEvent& record, const ValidationContext& context = {});
std::vector<FieldError> validate(const Alert& record, const ValidationContext& context = {});

// The check an identifier's value must pass for its system (resident ID, USCC, organisation
// code, student number …); nothing when it passes or the system has no rule.
std::optional<std::string> check_identifier_value(const Identifier& identifier,
                                                  const ValidationContext& context = {});

// Warnings, not errors: a valid resident ID number whose birth date or sex (17th digit)
// disagrees with the record's birth_date or sex.
std::vector<FieldError> consistency_warnings(const Person& record);

// True when a subject born on birth_date may be under guardian_age on grant_date, so that the
// consent must come from a guardian (PIPL Art. 31). Partial dates are read on the safe side:
// the latest possible birth day and the earliest possible grant day. A person born on 29
// February reaches an age on 1 March in common years.
bool consent_needs_guardian(const PartialDate& birth_date, const PartialDate& grant_date,
                            int guardian_age = 14);
// The first day (days_from_civil) on which someone born on birth_date is surely `age` years old,
// on the same safe reading: consent_needs_guardian(b, g, a) is g.first_day_number() < this.
std::int64_t age_reached_day(const PartialDate& birth_date, int age);

// BMI in kg/m², rounded half up to one decimal as the fitness standard reports it; nothing
// for a height or weight that is not a positive finite number.
std::optional<double> bmi(double height_cm, double weight_kg);

// Spherical equivalent (等效球镜) in dioptres: sphere + cylinder / 2. Nothing without both: a
// sphere alone is not the SE of an astigmatic eye.
std::optional<double> spherical_equivalent(std::optional<double> sphere_ds, std::optional<double> cylinder_dc);

// Decimal acuity (0.1, 0.6, 1.0 …) → the 5-point value of GB/T 11533 (L = 5 + lg V), to the
// chart's 0.1 step; nothing for a value that is not a positive finite number. The reverse
// direction goes through the chart's own labels (derived::VisionRules), which are rounded.
std::optional<double> five_point_from_decimal(double decimal_acuity);

}  // namespace kq::core
