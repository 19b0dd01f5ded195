#pragma once
// The field validators of the canonical model, in one include:
//   dates.hpp        PartialDate (year / month / day precision), DateTime (offset, UTC instant)
//   resident_id.hpp  GB 11643-1999 resident ID number (MOD 11-2, birth date, sex)
//   sex_code.hpp     GB/T 2261.1 sex codes and the FHIR gender mapping
//   org_codes.hpp    GB 32100 unified social credit code and GB 11714 organisation code
// Each returns Parsed<T>: the value, or a sentence naming exactly what is wrong.
#include "gateway/core/dates.hpp"
#include "gateway/core/org_codes.hpp"
#include "gateway/core/resident_id.hpp"
#include "gateway/core/sex_code.hpp"
