// The FHIR AuditEvent and RFC 5424 forms of an entry: required elements present, codes where
// BALP and DICOM put them, and syslog framing that a collector can split.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/audit/export.hpp"

namespace kq::audit {
namespace {

namespace json = boost::json;

StoredEntry ingest() {
  StoredEntry e;
  e.seq = 42;
  e.at_ms = 1700000000123;
  e.event_type = "110107";
  e.action = "C";
  e.outcome = 4;
  e.actor = "hospital-a";
  e.org_id = "12110000MB0000001X";
  e.detail = R"({"adapter":"his","transport":"mllp","peer":"10.0.0.7:50000","detail":"rejected: MSH-9"})";
  e.message_id = "0190a1b2-0000-7000-8000-000000000001";
  e.entry_hash = std::string(32, '\xab');
  return e;
}

TEST(AuditExport, FhirAuditEventFollowsBalp) {
  const json::value v = json::parse(fhir_audit_event(ingest(), "kangqiao-dev"));
  const json::object& r = v.as_object();
  EXPECT_EQ(r.at("resourceType"), "AuditEvent");
  EXPECT_EQ(r.at("id"), "audit-42");
  EXPECT_EQ(r.at("type").at("system"), "http://dicom.nema.org/resources/ontology/DCM");
  EXPECT_EQ(r.at("type").at("code"), "110107");
  EXPECT_EQ(r.at("type").at("display"), "Import");
  EXPECT_EQ(r.at("subtype").at(0).at("code"), "receive");
  EXPECT_EQ(r.at("action"), "C");
  EXPECT_EQ(r.at("recorded"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(r.at("outcome"), "4");
  EXPECT_EQ(r.at("outcomeDesc"), "rejected: MSH-9");
  const json::array& agents = r.at("agent").as_array();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].at("who").at("identifier").at("value"), "hospital-a");
  EXPECT_EQ(agents[0].at("requestor"), true);
  EXPECT_EQ(agents[0].at("network").at("address"), "10.0.0.7:50000");
  EXPECT_EQ(agents[1].at("who").at("identifier").at("value"), "12110000MB0000001X");
  EXPECT_EQ(r.at("source").at("observer").at("display"), "kangqiao-dev");
  const json::object& message = r.at("entity").at(0).as_object();
  EXPECT_EQ(message.at("what").at("identifier").at("value"), "0190a1b2-0000-7000-8000-000000000001");
  EXPECT_EQ(message.at("type").at("code"), "2");
}

TEST(AuditExport, PersonsBecomePatientEntitiesAndTheGatewayIsNoRequestor) {
  StoredEntry e = ingest();
  e.event_type = "110110";
  e.action = "U";
  e.outcome = 0;
  e.actor = "kangqiao";
  e.org_id.reset();
  e.message_id.reset();
  e.detail = R"({"merged_person_id":"p-1","surviving_person_id":"p-2","identifier_system":"urn:mrn"})";
  const json::object r = json::parse(fhir_audit_event(e, "n")).as_object();
  EXPECT_EQ(r.at("subtype").at(0).at("code"), "merge");
  EXPECT_EQ(r.at("agent").at(0).at("requestor"), false);
  EXPECT_EQ(r.at("agent").as_array().size(), 1u);
  int patients = 0;
  for (const json::value& entity : r.at("entity").as_array()) {
    if (entity.as_object().contains("role") && entity.at("role").at("code") == "1") {
      ++patients;
      EXPECT_EQ(entity.at("what").at("reference").as_string().subview().substr(0, 8), "Patient/");
    }
  }
  EXPECT_EQ(patients, 2);
}

TEST(AuditExport, SyslogLineIsRfc5424) {
  const std::string line = syslog_line(ingest(), "kangqiao dev");
  // PRI = facility 13 (log audit) * 8 + severity 4 (minor failure: warning).
  EXPECT_EQ(line.rfind("<108>1 2023-11-14T22:13:20.123Z kangqiaodev kangqiao - 110107 [kangqiao@32473 seq=\"42\"", 0), 0u)
      << line;
  EXPECT_NE(line.find(" actor=\"hospital-a\""), std::string::npos);
  EXPECT_NE(line.find(" hash=\"abababab"), std::string::npos);
  EXPECT_NE(line.find("] \xEF\xBB\xBF{\"adapter\""), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AuditExport, SyslogEscapesStructuredDataValues) {
  StoredEntry e = ingest();
  e.actor = R"(a"b\c]d)";
  const std::string line = syslog_line(e, "n");
  EXPECT_NE(line.find(R"(actor="a\"b\\c\]d")"), std::string::npos) << line;
}

}  // namespace
}  // namespace kq::audit
