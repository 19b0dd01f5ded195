#pragma once
// What record validation may need to know beyond the record itself.
#include <optional>

#include "gateway/core/dates.hpp"

namespace kq::core {

struct ValidationContext {
  // "Today" for not-in-the-future checks; nothing means today in China (UTC+8). Tests and
  // reprocessing of old messages set it.
  std::optional<PartialDate> today;
  // For Consent: the subject's birth date when the caller knows the Person. Without it the
  // under-14 guardian rule cannot be checked and is not.
  std::optional<PartialDate> subject_birth_date;
  int guardian_age = 14;  // PIPL Art. 31
  // Set at commit time, after identity resolution: person-scoped records must then carry a
  // person_id. Mapping output is validated before resolution and leaves it off.
  bool require_person_link = false;
};

}  // namespace kq::core
