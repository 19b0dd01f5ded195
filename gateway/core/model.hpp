#pragma once
// The canonical record types, in one include. See model_common.hpp for the conventions they share.
#include "gateway/core/model_clinical.hpp"
#include "gateway/core/model_common.hpp"
#include "gateway/core/model_governance.hpp"
#include "gateway/core/model_party.hpp"
#include "gateway/core/model_school.hpp"
#include "gateway/core/record_kind.hpp"
