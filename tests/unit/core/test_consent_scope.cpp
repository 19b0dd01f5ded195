// What a consent must say to be recorded: purposes, known data categories, recipients that are
// not gateway permissions, a guardian's relationship; and the day a subject comes of age.
#include <gtest/gtest.h>

#include "field_error_printer.hpp"
#include "gateway/core/record_validation.hpp"
#include "sample_records.hpp"

namespace kq::core {
namespace {

using namespace kq::core::testing;
using Errors = std::vector<FieldError>;

TEST(ConsentScope, CategoriesAndRecipientsAreRequiredForAConsent) {
  Consent c = sample_consent();
  c.data_categories.clear();
  c.recipients.clear();
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"data_categories", "at least one data category is required: consent covers named categories only",
                     ErrorKind::required},
                    {"recipients", "at least one recipient (an organisation id, or role:<name>) is required",
                     ErrorKind::required}}));
  // A statutory record of a flow's basis covers no categories of its own.
  c.lawful_basis = "statutory_duty";
  EXPECT_EQ(validate(c, fixed_context()), Errors{});
}

TEST(ConsentScope, CategoriesMustBeKnown) {
  Consent c = sample_consent();
  c.data_categories = {"vision", "体检", "Mental_Health"};
  const Errors errors = validate(c, fixed_context());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "data_categories[1]");
  EXPECT_EQ(errors[0].kind, ErrorKind::code_unknown);
  EXPECT_TRUE(errors[0].message.starts_with("'体检' is not one of demographics, enrollment, organization,"))
      << errors[0].message;
  EXPECT_EQ(errors[1].path, "data_categories[2]");
}

TEST(ConsentScope, PurposesAreCodes) {
  Consent c = sample_consent();
  c.purposes = {"PUBHLTH", "school feedback", ""};
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"purposes[1]", "'school feedback' may hold only ASCII letters, digits, '_', '-' and '.'",
                     ErrorKind::data_type},
                    {"purposes[2]", "'' is empty", ErrorKind::data_type}}));
}

TEST(ConsentScope, RecipientsAreOrganisationsOrRolesButNotGatewayPermissions) {
  Consent c = sample_consent();
  c.recipients = {"org-cdc", "role:school-doctor", "role:records.pull", "role:admin", "role:", ""};
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"recipients[2]",
                     "'role:records.pull' names a gateway permission, not a recipient; name the organisation or its role",
                     ErrorKind::not_permitted},
                    {"recipients[3]",
                     "'role:admin' names a gateway permission, not a recipient; name the organisation or its role",
                     ErrorKind::not_permitted},
                    {"recipients[4]", "is empty", ErrorKind::required},
                    {"recipients[5]", "is empty", ErrorKind::required}}));
}

TEST(ConsentScope, AGuardianGrantorSaysWhoTheyAre) {
  Consent c = sample_consent();
  c.grantor->relationship.reset();
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"grantor.relationship",
                     "is required when grantor_is_guardian is true (a GB/T 4761 family relationship code)",
                     ErrorKind::required}}));
  c.grantor.reset();
  EXPECT_EQ(validate(c, fixed_context()).size(), 1u);
  c.grantor_is_guardian = false;  // the subject themself
  EXPECT_EQ(validate(c, fixed_context()), Errors{});
}

TEST(ConsentScope, ARefusalNamesWhatItRefuses) {
  Consent c = sample_consent();
  c.status = "rejected";
  EXPECT_EQ(validate(c, fixed_context()), Errors{});
  c.data_categories.clear();
  EXPECT_EQ(validate(c, fixed_context()).at(0).path, "data_categories");
}

TEST(ConsentScope, SensitiveCategoriesNeedASeparateConsent) {
  Consent c = sample_consent();  // physical_fitness and vision: health data
  c.separate_consent = false;
  EXPECT_EQ(validate(c, fixed_context()),
            (Errors{{"separate_consent",
                     "must be true: physical_fitness, vision is sensitive personal information (PIPL art. 29)",
                     ErrorKind::not_permitted}}));
  // A general consent serves for what is not sensitive — for an adult.
  c.data_categories = {"demographics", "enrollment"};
  ValidationContext context = fixed_context();
  context.subject_birth_date = PartialDate::ymd(2000, 1, 1);
  EXPECT_EQ(validate(c, context), Errors{});
  // For a child under 14 on the grant date, everything is sensitive (PIPL art. 28).
  context.subject_birth_date = PartialDate::ymd(2012, 5, 1);
  EXPECT_EQ(validate(c, context),
            (Errors{{"separate_consent",
                     "must be true: the subject is under 14 on the grant date, and all of a child's personal "
                     "information is sensitive (PIPL art. 28)",
                     ErrorKind::not_permitted}}));
  // Saying no needs no particular form.
  c.status = "rejected";
  c.data_categories = {"mental_health"};
  EXPECT_EQ(validate(c, context), Errors{});
}

TEST(AgeReachedDay, MatchesTheGuardianRule) {
  const PartialDate born = PartialDate::ymd(2010, 9, 1);
  EXPECT_EQ(age_reached_day(born, 14), days_from_civil(2024, 9, 1));
  EXPECT_EQ(age_reached_day(PartialDate::ymd(2008, 2, 29), 14), days_from_civil(2022, 3, 1));
  EXPECT_EQ(age_reached_day(*PartialDate::parse("2010"), 14), days_from_civil(2024, 12, 31));
  EXPECT_EQ(age_reached_day(*PartialDate::parse("2010-02"), 18), days_from_civil(2028, 2, 28));
}

}  // namespace
}  // namespace kq::core
