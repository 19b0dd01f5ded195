// What one WriteBatch does: records with versions and change sequence numbers, person resolution
// through identifiers, deduplication, lineage, and the side tables.
#include <boost/json/parse.hpp>

#include "gateway/store/prepared_batch.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::store::testing {
namespace {

using RecordsTest = StoreTest;

TEST_F(RecordsTest, AssignsIdsAndStartsAtVersionOne) {
  auto store = open();
  WriteBatch b;
  b.records.push_back(make_record("observation"));
  b.records.push_back(make_record("observation"));
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].id.size(), 36u);
  EXPECT_NE(r.records[0].id, r.records[1].id);
  EXPECT_EQ(r.records[0].version, 1);
  EXPECT_LT(r.records[0].seq, r.records[1].seq);

  auto stored = store->reader()->record(r.records[1].id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(boost::json::parse(stored->body_json).as_object().at("unit").as_string(), "cm");
  EXPECT_EQ(stored->org_id, "org-1");
  EXPECT_TRUE(stored->message_id.empty());
}

// A reader's snapshot (a roster chunk's look-ups): every read inside it sees the database as it
// was when the snapshot began, even after a commit; once it ends, reads see the latest state.
TEST_F(RecordsTest, AReadersSnapshotSeesOneStateUntilItEnds) {
  auto store = open();
  WriteBatch first;
  first.records.push_back(make_record("observation", "obs-before"));
  ASSERT_EQ(submit_and_wait(*store, std::move(first)).status, WriteStatus::committed);

  auto reader = store->reader();
  auto snapshot = reader->snapshot();
  ASSERT_TRUE(reader->record("obs-before").has_value());
  WriteBatch later;
  later.records.push_back(make_record("observation", "obs-after"));
  ASSERT_EQ(submit_and_wait(*store, std::move(later)).status, WriteStatus::committed);
  EXPECT_FALSE(reader->record("obs-after").has_value()) << "a snapshot saw a later commit";
  snapshot.reset();
  EXPECT_TRUE(reader->record("obs-after").has_value());
}

TEST_F(RecordsTest, StoredBodiesWriteNumbersAsPlainDecimals) {
  // What the pull API will give out: 138.5 and 5.0, never Boost.JSON's 1.385E2 and 5E0.
  auto store = open();
  WriteBatch b;
  b.records.push_back(make_record("observation", "obs-decimal"));
  b.records.back().body["value"] = 138.5;
  b.records.back().body["low"] = 5.0;
  b.records.back().body["note"] = "line 1\nline \"2\" 视力";
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  auto stored = store->reader()->record("obs-decimal");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->body_json.find("\"value\":138.5"), std::string::npos) << stored->body_json;
  EXPECT_NE(stored->body_json.find("\"low\":5.0"), std::string::npos) << stored->body_json;
  EXPECT_NE(stored->body_json.find(R"("note":"line 1\nline \"2\" 视力")"), std::string::npos)
      << stored->body_json;
  EXPECT_EQ(boost::json::parse(stored->body_json).as_object().at("value").as_double(), 138.5);
}

TEST_F(RecordsTest, AnIdWrittenByOneOrganisationCannotBeTakenOverByAnother) {
  auto store = open();
  WriteBatch first;
  first.records.push_back(make_record("observation", "obs-owned"));
  ASSERT_EQ(submit_and_wait(*store, std::move(first)).status, WriteStatus::committed);

  for (std::string other : {"org-2", ""}) {
    WriteBatch takeover;
    takeover.records.push_back(make_record("observation", "obs-owned"));
    takeover.records.back().org_id = other;
    takeover.records.back().body["value"] = 1.0;
    const WriteResult r = submit_and_wait(*store, std::move(takeover));
    EXPECT_EQ(r.status, WriteStatus::failed) << other;
    EXPECT_TRUE(r.content_error);
    ASSERT_EQ(r.errors.size(), 1u) << r.error;
    EXPECT_EQ(r.errors[0].path, "id");
    EXPECT_EQ(r.errors[0].kind, core::ErrorKind::not_permitted);
    EXPECT_NE(r.errors[0].message.find("belongs to another organisation"), std::string::npos);
  }
  auto stored = store->reader()->record("obs-owned");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->org_id, "org-1");

  // The owner itself writes the next version as before.
  WriteBatch again;
  again.records.push_back(make_record("observation", "obs-owned"));
  EXPECT_EQ(submit_and_wait(*store, std::move(again)).status, WriteStatus::committed);
  EXPECT_EQ(store->reader()->record("obs-owned")->version, 2);
}

TEST_F(RecordsTest, WritingAnIdAgainBumpsTheVersionAndSeqOnlyRises) {
  auto store = open();
  std::int64_t last_seq = 0;
  for (int i = 1; i <= 3; ++i) {
    WriteBatch b;
    b.records.push_back(make_record("observation", "obs-1"));
    b.records.back().body["value"] = 170 + i;
    b.records.push_back(make_record("observation"));  // a fresh record in between
    WriteResult r = submit_and_wait(*store, std::move(b));
    ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
    EXPECT_EQ(r.records[0].id, "obs-1");
    EXPECT_EQ(r.records[0].version, i);
    EXPECT_GT(r.records[0].seq, last_seq);
    EXPECT_GT(r.records[1].seq, r.records[0].seq);
    last_seq = r.records[1].seq;
  }
  auto reader = store->reader();
  auto latest = reader->record("obs-1");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, 3);
  EXPECT_EQ(boost::json::parse(latest->body_json).as_object().at("value").as_int64(), 173);

  auto changes = reader->changes_since(0, 100);
  ASSERT_EQ(changes.size(), 6u);
  for (std::size_t i = 1; i < changes.size(); ++i) EXPECT_GT(changes[i].seq, changes[i - 1].seq);
  EXPECT_EQ(reader->last_seq(), changes.back().seq);
  // The cursor resumes after a given seq and honours the limit.
  auto page = reader->changes_since(changes[1].seq, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, changes[2].seq);
}

// A caller that minted an id (new_id) is trusted to have made a new one: the store writes
// version 1 without looking for an earlier version, and a clash is a constraint error, never a
// silent second "version 1".
TEST_F(RecordsTest, NewIdsSkipTheVersionLookUpAndAClashFails) {
  auto store = open();
  WriteBatch b;
  b.records.push_back(make_record("observation"));
  core::assign_new_id(b.records.back());
  const std::string id = b.records.back().id;
  WriteResult first = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(first.status, WriteStatus::committed) << first.error;
  EXPECT_EQ(first.records.at(0).id, id);
  EXPECT_EQ(first.records[0].version, 1);

  WriteBatch again;
  again.records.push_back(make_record("observation", id));
  again.records.back().new_id = true;  // wrongly: the id exists
  WriteResult clash = submit_and_wait(*store, std::move(again));
  EXPECT_EQ(clash.status, WriteStatus::failed);
  EXPECT_NE(clash.error.find("UNIQUE"), std::string::npos) << clash.error;
  EXPECT_EQ(store->reader()->record(id)->version, 1);
}

TEST_F(RecordsTest, ResolvesPersonsThroughTheirIdentifiers) {
  auto store = open();
  WriteBatch first;
  first.identities = {{"p", "cn-resident-id", "11010519491231002X"}, {"p", "cn-student-no", "G1"}};
  first.records.push_back(make_record("vision_screening", {}, "p"));
  WriteResult r1 = submit_and_wait(*store, std::move(first));
  ASSERT_EQ(r1.status, WriteStatus::committed) << r1.error;
  ASSERT_EQ(r1.persons.size(), 1u);
  EXPECT_TRUE(r1.persons[0].created);
  const std::string person = r1.persons[0].person_id;
  EXPECT_EQ(store->reader()->record(r1.records[0].id)->person_id, person);

  // A later message knows the student by the student number and a new card number.
  WriteBatch second;
  second.identities = {{"s", "cn-student-no", "G1"}, {"s", "citizen-card:bj", "C-9"}};
  second.records.push_back(make_record("fitness_test", {}, "s"));
  WriteResult r2 = submit_and_wait(*store, std::move(second));
  ASSERT_EQ(r2.status, WriteStatus::committed) << r2.error;
  ASSERT_EQ(r2.persons.size(), 1u);
  EXPECT_FALSE(r2.persons[0].created);
  EXPECT_EQ(r2.persons[0].person_id, person);
  EXPECT_EQ(store->reader()->record(r2.records[0].id)->person_id, person);
  EXPECT_EQ(store->reader()->person_by_identifier("citizen-card:bj", "C-9"), person);

  // Unknown identifiers make a new person; two refs in one batch resolve separately.
  WriteBatch third;
  third.identities = {{"a", "cn-student-no", "G2"}, {"b", "cn-student-no", "G1"}};
  third.records.push_back(make_record("observation", {}, "a"));
  third.records.push_back(make_record("observation", {}, "b"));
  WriteResult r3 = submit_and_wait(*store, std::move(third));
  ASSERT_EQ(r3.status, WriteStatus::committed) << r3.error;
  ASSERT_EQ(r3.persons.size(), 2u);
  EXPECT_TRUE(r3.persons[0].created);
  EXPECT_NE(r3.persons[0].person_id, person);
  EXPECT_EQ(r3.persons[1].person_id, person);
  EXPECT_EQ(store->reader()->row_counts()["person"], 2);

  // Identifiers that already belong to two different persons: first match wins, clash reported.
  WriteBatch fourth;
  fourth.identities = {{"x", "cn-student-no", "G1"}, {"x", "cn-student-no", "G2"}};
  WriteResult r4 = submit_and_wait(*store, std::move(fourth));
  ASSERT_EQ(r4.status, WriteStatus::committed) << r4.error;
  EXPECT_EQ(r4.persons.at(0).person_id, person);
  ASSERT_EQ(r4.identity_conflicts.size(), 1u);
  EXPECT_EQ(r4.identity_conflicts[0].value, "G2");
  EXPECT_EQ(store->reader()->person_by_identifier("cn-student-no", "G2"), r3.persons[0].person_id);
}

TEST_F(RecordsTest, PersonRecordsAndReferencesTakeTheResolvedId) {
  auto store = open();
  auto sync = [&](const std::string& ref, const std::string& name) {
    WriteBatch b;
    b.identities = {{ref, "cn-student-no", "G7"}};
    RecordEnvelope person;
    person.kind = "person";
    person.id = ref;
    person.person_id = ref;
    person.body = {{"id", ref}, {"name", {{"text", name}}}};
    b.records.push_back(std::move(person));
    RecordEnvelope obs = make_record("observation", {}, ref);
    obs.body["person_id"] = ref;
    b.records.push_back(std::move(obs));
    return submit_and_wait(*store, std::move(b));
  };
  WriteResult first = sync("ref-1", "Zhang San");
  ASSERT_EQ(first.status, WriteStatus::committed) << first.error;
  const std::string person = first.persons.at(0).person_id;
  EXPECT_EQ(first.records.at(0).id, person);
  EXPECT_EQ(first.records[0].version, 1);

  auto reader = store->reader();
  auto stored_person = reader->record(person);
  ASSERT_TRUE(stored_person.has_value());
  EXPECT_EQ(stored_person->person_id, person);
  EXPECT_EQ(boost::json::parse(stored_person->body_json).as_object().at("id").as_string(), person);
  auto obs = reader->record(first.records.at(1).id);
  ASSERT_TRUE(obs.has_value());
  EXPECT_EQ(obs->person_id, person);
  EXPECT_EQ(boost::json::parse(obs->body_json).as_object().at("person_id").as_string(), person);

  // The next registry sync names the same student under a new ref: a new version, same person.
  WriteResult second = sync("ref-2", "Zhang San (renamed)");
  ASSERT_EQ(second.status, WriteStatus::committed) << second.error;
  EXPECT_EQ(second.records.at(0).id, person);
  EXPECT_EQ(second.records[0].version, 2);
  EXPECT_EQ(reader->row_counts()["person"], 1);
}

// The writer puts the resolved person id wherever a body named the ref: a provenance record's
// own person_id and its target ids; a string that merely resembles the ref stays as it was.
TEST_F(RecordsTest, ProvenanceTargetsAndOnlyTheRefPlacesTakeTheResolvedId) {
  auto store = open();
  WriteBatch b;
  b.identities = {{"ref:patient", "cn-student-no", "G8"}};
  RecordEnvelope person;
  person.kind = "person";
  person.id = "ref:patient";
  person.person_id = "ref:patient";
  person.body = {{"id", "ref:patient"}, {"name", "ref:patient"}};
  b.records.push_back(std::move(person));
  RecordEnvelope provenance = make_record("provenance", {}, "ref:patient");
  provenance.body = {{"person_id", "ref:patient"},
                     {"target_ids", boost::json::array{"ref:patient", "obs-1"}},
                     {"note", "about ref:patient"}};
  b.records.push_back(std::move(provenance));
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  const std::string person_id = r.persons.at(0).person_id;

  auto reader = store->reader();
  auto stored_person = reader->record(person_id);
  ASSERT_TRUE(stored_person.has_value());
  const auto person_body = boost::json::parse(stored_person->body_json).as_object();
  EXPECT_EQ(person_body.at("id").as_string(), person_id);
  EXPECT_EQ(person_body.at("name").as_string(), "ref:patient") << "data is never rewritten";
  auto stored_provenance = reader->record(r.records.at(1).id);
  ASSERT_TRUE(stored_provenance.has_value());
  EXPECT_EQ(stored_provenance->person_id, person_id);
  const auto body = boost::json::parse(stored_provenance->body_json).as_object();
  EXPECT_EQ(body.at("person_id").as_string(), person_id);
  EXPECT_EQ(body.at("target_ids").as_array().at(0).as_string(), person_id);
  EXPECT_EQ(body.at("target_ids").as_array().at(1).as_string(), "obs-1");
  EXPECT_EQ(body.at("note").as_string(), "about ref:patient");
}

TEST_F(RecordsTest, DedupeKeyGivesDuplicateForSameContentAndConflictForDifferent) {
  auto store = open();
  auto batch = [](std::string payload) {
    WriteBatch b;
    b.message = make_message(std::move(payload));
    b.dedupe = DedupeKey{"mllp:HIS|H1", "MSG0001"};
    b.records.push_back(make_record("observation"));
    b.audit.push_back({0, "110107", kq::store::AuditAction::create, kq::store::AuditOutcome::success, "his-1", "org-1", {}});
    return b;
  };
  WriteResult original = submit_and_wait(*store, batch("MSH|^~\\&|HIS|H1|...|MSG0001"));
  ASSERT_EQ(original.status, WriteStatus::committed) << original.error;
  auto before = store->reader()->row_counts();

  WriteResult again = submit_and_wait(*store, batch("MSH|^~\\&|HIS|H1|...|MSG0001"));
  EXPECT_EQ(again.status, WriteStatus::duplicate);
  EXPECT_EQ(again.original_message_id, original.message_id);
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(again.records[0].id, original.records[0].id);
  EXPECT_EQ(again.records[0].seq, original.records[0].seq);
  EXPECT_TRUE(again.ok());

  WriteResult changed = submit_and_wait(*store, batch("MSH|^~\\&|HIS|H1|...|MSG0001|CHANGED"));
  EXPECT_EQ(changed.status, WriteStatus::conflict);
  EXPECT_EQ(changed.original_message_id, original.message_id);
  EXPECT_FALSE(changed.error.empty());
  EXPECT_FALSE(changed.ok());

  EXPECT_EQ(store->reader()->row_counts(), before);  // neither wrote anything
  auto entry = store->reader()->find_dedupe("mllp:HIS|H1", "MSG0001");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->message_id, original.message_id);
}

TEST_F(RecordsTest, KeepsEverythingNeededToRunAMessageAgain) {
  auto store = open();
  WriteBatch b;
  b.message = make_message("<ClinicalDocument/>");
  core::InboundMessage& in = b.message->inbound;
  in.adapter = "his-https";
  in.transport = core::Transport::http;
  in.listener = "ingest";
  in.channel = "/v1/his/documents";
  in.method = "POST";
  in.content_type = "application/xml; charset=GB18030";
  in.charset = "GB18030";
  in.principal = "hospital-a";
  in.organisation = "12110000MB0000001X";
  in.idempotency_key = "cda-7";
  const core::InboundMessage sent = in;
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  auto m = store->reader()->message(r.message_id);
  ASSERT_TRUE(m.has_value());
  const core::InboundMessage& got = m->message.inbound;
  EXPECT_EQ(got.adapter, sent.adapter);
  EXPECT_EQ(got.transport, core::Transport::http);
  EXPECT_EQ(got.listener, sent.listener);
  EXPECT_EQ(got.channel, sent.channel);
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.content_type, sent.content_type);
  EXPECT_EQ(got.charset, "GB18030");
  EXPECT_EQ(got.payload, sent.payload);
  EXPECT_EQ(got.peer_address, sent.peer_address);
  EXPECT_EQ(got.principal, "hospital-a");
  EXPECT_EQ(got.organisation, sent.organisation);
  EXPECT_EQ(got.idempotency_key, "cda-7");
  EXPECT_EQ(got.received_at_ms, sent.received_at_ms);
}

TEST_F(RecordsTest, KeepsTheNameOfTheDroppedFileAMessageCameFrom) {
  auto store = open();
  WriteBatch dropped;
  dropped.message = make_message("POS1|T-1|OP|1|1|00000000");
  dropped.message->inbound.transport = core::Transport::file;
  dropped.message->inbound.channel = "batches";
  dropped.message->inbound.file_name = "体检-T-1-0001.pos";  // as dropped: any UTF-8 name
  dropped.message->status = MessageStatus::dead_letter;
  dropped.dead_letter = DeadLetter{{}, R"([{"field":"record 1","reason":"bad"}])", "pos@1"};
  WriteResult file = submit_and_wait(*store, std::move(dropped));
  ASSERT_EQ(file.status, WriteStatus::committed) << file.error;
  WriteBatch pushed;
  pushed.message = make_message("{}");
  WriteResult http = submit_and_wait(*store, std::move(pushed));
  ASSERT_EQ(http.status, WriteStatus::committed) << http.error;

  auto reader = store->reader();
  EXPECT_EQ(reader->message(file.message_id)->message.inbound.file_name, "体检-T-1-0001.pos");
  EXPECT_EQ(reader->message(http.message_id)->message.inbound.file_name, "");
  // The dead letter leads to its message, and so to the file.
  const auto letters = reader->dead_letters(0, 10);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(reader->message(letters[0].message_id)->message.inbound.file_name, "体检-T-1-0001.pos");
  reader.reset();
  store->shutdown();
  // Stored as NULL when there is no file, so `WHERE file_name IS NOT NULL` finds the dropped ones.
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT count(*) FROM raw_message WHERE file_name IS NULL"), "1");
  EXPECT_EQ(raw.text("SELECT file_name FROM raw_message WHERE id = '" + file.message_id + "'"), "体检-T-1-0001.pos");
}

TEST_F(RecordsTest, KeepsTheRawMessageAndItsLineage) {
  auto store = open();
  WriteBatch b;
  b.message = make_message(std::string("abc"));
  b.message->inbound.payload.push_back('\0');  // binary-safe
  b.message->inbound.payload += "def";
  b.records.push_back(make_record("observation"));
  b.records.push_back(make_record("encounter"));
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;
  ASSERT_EQ(r.message_id.size(), 36u);

  auto reader = store->reader();
  auto m = reader->message(r.message_id);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->message.inbound.payload, std::string("abc\0def", 7));
  EXPECT_EQ(m->message.sha256, sha256_hex(std::string("abc\0def", 7)));
  EXPECT_EQ(m->message.status, MessageStatus::accepted);
  EXPECT_EQ(m->message.inbound.peer_address, "127.0.0.1:5000");
  auto lineage = reader->records_of_message(r.message_id);
  ASSERT_EQ(lineage.size(), 2u);
  EXPECT_EQ(lineage[1].kind, "encounter");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(RecordsTest, StoresDeadLettersOutboxAndAudit) {
  auto store = open();
  WriteBatch b;
  b.message = make_message("bad,row");
  b.message->status = MessageStatus::dead_letter;
  b.message->error = R"([{"field":"PID-7","reason":"not a date"}])";
  b.dead_letter = DeadLetter{{}, b.message->error, "his_oru@3"};
  b.outbox.push_back({"direct_report", "{}", "report-1", 1700000000000});
  b.audit.push_back({0, "110107", kq::store::AuditAction::create, kq::store::AuditOutcome::minor_failure, "his-1", "org-1", R"({"reason":"mapping failed"})"});
  WriteResult r = submit_and_wait(*store, std::move(b));
  ASSERT_EQ(r.status, WriteStatus::committed) << r.error;

  auto reader = store->reader();
  auto letters = reader->dead_letters(0, 10);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].message_id, r.message_id);
  EXPECT_EQ(letters[0].mapping, "his_oru@3");
  EXPECT_TRUE(reader->dead_letters(letters[0].id, 10).empty());
  EXPECT_EQ(reader->message(r.message_id)->message.status, MessageStatus::dead_letter);
  auto counts = reader->row_counts();
  EXPECT_EQ(counts["outbox"], 1);
  EXPECT_EQ(counts["audit_log"], 1);
}

TEST_F(RecordsTest, InvalidBatchesFailWithoutWritingAnything) {
  auto store = open();
  WriteBatch no_message;
  no_message.dedupe = DedupeKey{"s", "k"};
  no_message.records.push_back(make_record("observation"));
  WriteResult r = submit_and_wait(*store, std::move(no_message));
  EXPECT_EQ(r.status, WriteStatus::failed);
  EXPECT_NE(r.error.find("raw message"), std::string::npos) << r.error;

  WriteBatch bad_audit;  // violates the CHECK on action, after the record was inserted
  bad_audit.records.push_back(make_record("observation"));
  bad_audit.audit.push_back({0, "110107", static_cast<kq::store::AuditAction>('Z'), kq::store::AuditOutcome::success, {}, {}, {}});
  WriteResult r2 = submit_and_wait(*store, std::move(bad_audit));
  EXPECT_EQ(r2.status, WriteStatus::failed);
  EXPECT_EQ(store->reader()->row_counts()["record"], 0);
}

}  // namespace
}  // namespace kq::store::testing
