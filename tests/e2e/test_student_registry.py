"""The student_registry adapter with the real binary: nightly rosters dropped as CSV files and
synced in chunks (plugin ABI 1.4 add_roster_drop, docs/adapters/student_registry.md). A first
load, a rerun that changes nothing, a second roster with new, changed, transferred, left and
graduated students, a GB 18030 file with a quoted line break and bad rows reported by their line,
a sync killed with -9 halfway that ends, after the restart, in the state of an uninterrupted
run, and a roster published at an HTTPS URL, downloaded on its schedule and synced the same way."""
import datetime
import http.server
import json
import os
import signal
import ssl
import threading
import time
import unittest

from harness import Gateway, SOURCE_DIR, dev_certs, wait_until

ORG = "11110000MB0000009X"  # the registry's organisation

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
store:
  path: kangqiao.db
plugins:
  directory: {plugins}
mappings:
  directory: """ + os.path.join(SOURCE_DIR, "mappings") + """
adapters:
  - name: registry
    plugin: student_registry
    roles: [roster.sync]
    mappings: [roster-csv, roster-xml]
    config:
      drop_directory: {data}/drops
      drop_principal: cmis
      drop_settle: 200ms
      rows_per_chunk: ROWS
      charset: CHARSET
EXTRA
principals:
  - name: cmis
    organisation: \"""" + ORG + """\"
    roles: [roster.sync]
    subject: "CN=cmis-roster-drop,O=Demo Student Registry,C=CN"
"""

HEADER = "姓名,性别,出生日期,身份证号,学籍号,学校,年级,班级"


def resident_id(n):
    """A resident ID with its GB 11643 check character for child n (Xicheng, born 2012)."""
    born = datetime.date(2012, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def fields(n, school="西城区实验小学", grade="五年级", klass="3班", name=None):
    """Student n's values, in the order of HEADER."""
    rid = resident_id(n)
    born = f"{rid[6:10]}-{rid[10:12]}-{rid[12:14]}"
    return [name or "学生" + str(n), "男" if n % 2 else "女", born, rid, "G" + rid, school, grade, klass]


def row(n, **kw):
    return ",".join(fields(n, **kw))


def roster(rows):
    return (HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8")


class RosterGateway:
    """One gateway with a roster drop; files are dropped the careful way (.part, then renamed)."""

    def __init__(self, rows_per_chunk=7, charset="UTF-8", extra="", before_start=None):
        self.gw = Gateway()
        self.gw.write_config(text=CONFIG.replace("ROWS", str(rows_per_chunk)).replace("CHARSET", charset)
                             .replace("EXTRA\n", extra))
        if before_start:
            before_start(self.gw)
        self.gw.start()
        self.drops = os.path.join(self.gw.dir, "data", "drops")

    def drop(self, name, body):
        part = os.path.join(self.drops, "incoming", name + ".part")
        with open(part, "wb") as f:
            f.write(body)
        os.rename(part, os.path.join(self.drops, "incoming", name))

    def receipt(self, name, folder="done", timeout=60):
        path = os.path.join(self.drops, folder, name + ".receipt")
        ok = wait_until(lambda: os.path.exists(path) and os.path.exists(os.path.join(self.drops, folder, name)),
                        timeout)
        assert ok, f"no {folder}/{name} with its receipt:\n" + self.gw.logs()[-4000:]
        with open(path) as f:
            return json.load(f)

    def enrollment_status(self, n):
        rows = self.gw.sql("SELECT json_extract(body, '$.status') AS status FROM record r WHERE kind = 'enrollment' "
                           f"AND json_extract(body, '$.student_no') = 'G{resident_id(n)}' "
                           "ORDER BY seq DESC LIMIT 1")
        return rows[0]["status"] if rows else None

    def record_versions(self):
        return {r["kind"]: r["n"] for r in self.gw.sql("SELECT kind, count(*) AS n FROM record GROUP BY kind")}


def roster_tables(g):
    """What a sync leaves in the store: the snapshot, every Enrollment's latest version, the counts
    of record versions by kind."""
    entries = g.gw.sql("SELECT student_key, content_hash, school, grade, class_name, status, enrollment_id "
                       "FROM roster_entry ORDER BY student_key")
    enrollments = g.gw.sql("SELECT r.id, r.version, json_extract(r.body, '$.status') AS status "
                           "FROM record r WHERE r.kind = 'enrollment' AND r.version = "
                           "(SELECT max(v.version) FROM record v WHERE v.id = r.id) ORDER BY r.id")
    return entries, enrollments, g.record_versions()


def killed_halfway_and_resumed(test, first, second, extension, rows_per_chunk=500, kill_after_chunks=10, **kw):
    """Syncs `first`, then `second`, on one gateway without interruption and on another killed with
    -9 once `kill_after_chunks` chunks of `second` committed and started again; asserts that the
    second ends in the state of the first, and returns the uninterrupted run's report."""
    a, b = "a." + extension, "b." + extension
    calm = test.start(rows_per_chunk=rows_per_chunk, **kw)
    calm.drop(a, first)
    calm.receipt(a, timeout=300)
    calm.drop(b, second)
    calm_report = calm.receipt(b, timeout=300)
    expected = roster_tables(calm)

    g = test.start(rows_per_chunk=rows_per_chunk, **kw)
    g.drop(a, first)
    g.receipt(a, timeout=300)
    g.drop(b, second)
    halfway = lambda: (g.gw.sql("SELECT max(chunks_done) AS n FROM roster_sync WHERE state = 'running'")[0]["n"]
                       or 0) >= kill_after_chunks
    test.assertTrue(wait_until(halfway, 300), g.gw.logs()[-3000:])
    g.gw.proc.send_signal(signal.SIGKILL)
    g.gw.proc.wait()
    test.assertTrue(os.path.exists(os.path.join(g.drops, "work", b)))
    g.gw.start()
    report = g.receipt(b, timeout=300)
    test.assertTrue(any(e.get("event") == "roster_sync_resumed" for e in g.gw.log_events()))
    test.assertEqual(report["counts"], calm_report["counts"])
    test.assertEqual(report["rows"], calm_report["rows"])
    test.assertEqual(roster_tables(g), expected)
    return calm_report


class StudentRegistrySync(unittest.TestCase):
    def start(self, **kw):
        g = RosterGateway(**kw)
        self.addCleanup(g.gw.cleanup)
        return g

    def test_first_load_then_a_rerun_of_the_same_roster_changes_nothing(self):
        g = self.start()
        body = roster([row(n) for n in range(1, 31)])
        g.drop("roster-1.csv", body)
        first = g.receipt("roster-1.csv")
        self.assertEqual(first["state"], "finished")
        self.assertEqual(first["counts"], {"new": 30, "changed": 0, "transferred": 0, "unchanged": 0, "left": 0,
                                           "graduated": 0, "rejected": 0})
        self.assertEqual(first["rows"], 30)
        self.assertEqual(first["chunks"], 5)  # 7 rows a chunk
        versions = g.record_versions()
        self.assertEqual(versions["person"], 30)
        self.assertEqual(versions["enrollment"], 30)
        # One school: written once per chunk, not once per student.
        self.assertEqual(versions["organization"], first["chunks"])
        self.assertEqual(g.gw.sql("SELECT count(*) AS n FROM roster_entry")[0]["n"], 30)

        g.drop("roster-2.csv", body)  # the same export the next night
        again = g.receipt("roster-2.csv")
        self.assertEqual(again["counts"]["unchanged"], 30)
        self.assertEqual(sum(again["counts"].values()), 30)
        self.assertEqual(g.record_versions(), versions, "a rerun wrote records")
        runs = g.gw.sql("SELECT state, rows_done FROM roster_sync ORDER BY started_at_ms")
        self.assertEqual(runs, [{"state": "finished", "rows_done": 30}] * 2)
        # Progress and the report are in the log too.
        finished = g.gw.wait_for_event("roster_sync_finished")
        self.assertEqual(finished[-1]["unchanged"], 30)

    def test_a_promotion_within_the_school_updates_the_one_enrollment(self):
        """Every September the whole school moves up a grade: that is a new version of each
        student's Enrollment at the school, not a second Enrollment beside a first still 在读."""
        g = self.start()
        g.drop("june.csv", roster([row(n) for n in range(1, 4)]))
        self.assertEqual(g.receipt("june.csv")["counts"]["new"], 3)
        g.drop("september.csv", roster([row(1, grade="六年级")] + [row(n) for n in range(2, 4)]))
        counts = g.receipt("september.csv")["counts"]
        self.assertEqual((counts["changed"], counts["unchanged"], counts["transferred"]), (1, 2, 0))
        current = g.gw.sql("SELECT r.id, json_extract(r.body, '$.grade') AS grade, json_extract(r.body, '$.status') "
                           "AS status FROM record r WHERE r.kind = 'enrollment' AND json_extract(r.body, "
                           f"'$.student_no') = 'G{resident_id(1)}' AND r.version = "
                           "(SELECT max(version) FROM record v WHERE v.id = r.id)")
        self.assertEqual([(e["grade"], e["status"]) for e in current], [("16", "在读")], current)

    def test_a_second_roster_reports_every_change_kind_and_writes_only_the_changes(self):
        g = self.start()
        first = [row(n) for n in range(1, 9)] + [row(9, grade="六年级"), row(10)]
        g.drop("night-1.csv", roster(first))
        self.assertEqual(g.receipt("night-1.csv")["counts"]["new"], 10)
        before = g.record_versions()

        second = ([row(n) for n in range(1, 6)] + [row(6, klass="4班"), row(7, school="西城区第二实验小学"), row(8),
                                                   row(11)])
        g.drop("night-2.csv", roster(second))
        counts = g.receipt("night-2.csv")["counts"]
        self.assertEqual(counts, {"new": 1, "changed": 1, "transferred": 1, "unchanged": 6, "left": 1,
                                  "graduated": 1, "rejected": 0})
        self.assertEqual(g.enrollment_status(9), "毕业")
        self.assertEqual(g.enrollment_status(10), "转出")
        self.assertEqual(g.enrollment_status(6), "在读")
        after = g.record_versions()
        # Enrollments: student 11's; 6's new version (other class); 7's at the new school and its
        # old one closed (转出); 9 and 10: a new version each with the departure.
        self.assertEqual(after["enrollment"] - before["enrollment"], 1 + 1 + 2 + 2)
        self.assertEqual(g.gw.sql("SELECT json_extract(body, '$.status') AS status FROM record WHERE kind = "
                                  "'enrollment' AND json_extract(body, '$.student_no') = 'G" + resident_id(7) +
                                  "' AND json_extract(body, '$.status') = '转出'"), [{"status": "转出"}])
        school = g.gw.sql("SELECT school FROM roster_entry WHERE student_key = 'student-no:G" + resident_id(7) + "'")
        self.assertEqual(school, [{"school": "西城区第二实验小学"}])

        g.drop("night-3.csv", roster(second))  # the departed stay departed: nothing to do
        counts = g.receipt("night-3.csv")["counts"]
        self.assertEqual(counts["unchanged"], 9)
        self.assertEqual(counts["left"] + counts["graduated"], 0)

    def test_a_gb18030_roster_with_a_quoted_line_break_and_bad_rows_by_line(self):
        g = self.start(rows_per_chunk=2, charset="GB18030")
        lines = [
            HEADER,                                        # line 1
            row(1),                                        # line 2
            row(2, klass='"3班\n(合并)"'),                  # lines 3-4: a line break inside quotes
            "",                                            # line 5: empty, skipped
            row(3).replace(resident_id(3), resident_id(3)[:-1] + ("1" if resident_id(3)[-1] != "1" else "2")),  # 6
            row(4, grade="六年极"),                         # line 7: no such grade
            row(5, name="欧阳娜娜"),                        # line 8
        ]
        g.drop("gb.csv", ("\r\n".join(lines) + "\r\n").encode("gb18030"))
        report = g.receipt("gb.csv")
        self.assertEqual(report["counts"]["new"], 3)
        self.assertEqual(report["counts"]["rejected"], 2)
        self.assertEqual([r["line"] for r in report["rejected_rows"]], [6, 7])
        self.assertIn("身份证号", report["rejected_rows"][0]["reason"])
        self.assertIn("check digit", report["rejected_rows"][0]["reason"])
        self.assertIn("年级", report["rejected_rows"][1]["reason"])
        names = [r["name"] for r in g.gw.sql("SELECT json_extract(body, '$.name.text') AS name FROM record "
                                             "WHERE kind = 'person' ORDER BY name")]
        self.assertIn("欧阳娜娜", names)
        klass = g.gw.sql("SELECT class_name FROM roster_entry WHERE student_key = 'student-no:G"
                         + resident_id(2) + "'")
        self.assertEqual(klass, [{"class_name": "3班\n(合并)"}])

    def test_a_student_listed_twice_in_one_file_is_rejected_the_second_time_whatever_the_chunk(self):
        """A chunk is mapped while the one before is still being written: a student listed again
        in the next chunk, or further on, is caught either way, and the first row stands."""
        g = self.start(rows_per_chunk=2)
        night = [row(1), row(2),                 # lines 2-3 (chunk 1)
                 row(3), row(1, klass="9班"),    # lines 4-5: student 1 again, the next chunk
                 row(4), row(5),                 # lines 6-7
                 row(3)]                         # line 8: student 3 again, bytes and all, two chunks on
        g.drop("twice.csv", roster(night))
        report = g.receipt("twice.csv")
        self.assertEqual(report["counts"]["new"], 5)
        self.assertEqual(report["counts"]["rejected"], 2)
        self.assertEqual([r["line"] for r in report["rejected_rows"]], [5, 8])
        for r in report["rejected_rows"]:
            self.assertIn("appears again", r["reason"])
        klass = g.gw.sql("SELECT class_name FROM roster_entry WHERE student_key = 'student-no:G"
                         + resident_id(1) + "'")
        self.assertEqual(klass, [{"class_name": "3班"}], "the second row of student 1 was taken")
        # The next night the same file: the first rows are settled by their bytes, the repeats
        # are still rejected (their bytes match a student this run has already seen).
        g.drop("twice-2.csv", roster(night))
        again = g.receipt("twice-2.csv")
        self.assertEqual(again["counts"]["unchanged"], 5)
        self.assertEqual(again["counts"]["rejected"], 2)
        self.assertEqual([r["line"] for r in again["rejected_rows"]], [5, 8])

    def test_killed_with_minus_9_halfway_then_restarted_ends_as_an_uninterrupted_run(self):
        rows = 20000
        first = roster([row(n) for n in range(1, rows + 1)])
        # The second night: every tenth student changed class, the last 500 gone, 300 new.
        second = roster([row(n, klass="9班" if n % 10 == 0 else "3班") for n in range(1, rows - 500 + 1)]
                        + [row(n) for n in range(rows + 1, rows + 301)])
        calm_report = killed_halfway_and_resumed(self, first, second, "csv")
        self.assertEqual(calm_report["counts"], {"new": 300, "changed": 1950, "transferred": 0, "unchanged": 17550,
                                                 "left": 500, "graduated": 0, "rejected": 0})

    def test_a_reload_while_files_are_taken_keeps_one_worker_per_folder(self):
        # Before: each reload (SIGHUP) started a second worker on the folder, which took the file
        # the first one still had in work/ and ingested it again.
        g = self.start(rows_per_chunk=200)
        big = roster([row(n) for n in range(1, 8001)])
        g.drop("big.csv", big)
        for i in range(3):
            g.drop(f"small-{i}.csv", roster([row(n) for n in range(20001 + 10 * i, 20011 + 10 * i)]))
        for _ in range(6):
            time.sleep(0.3)
            g.gw.proc.send_signal(signal.SIGHUP)
        self.assertEqual(g.receipt("big.csv", timeout=300)["counts"]["new"], 8000)
        for i in range(3):
            self.assertEqual(g.receipt(f"small-{i}.csv")["counts"]["new"], 10)
        events = g.gw.log_events()
        self.assertGreaterEqual(len([e for e in events if e.get("event") == "reload_done"]), 1, g.gw.logs()[-3000:])
        taken = [e["file"] for e in events if e.get("event") == "file_drop_taken"]
        self.assertEqual(sorted(taken), ["big.csv", "small-0.csv", "small-1.csv", "small-2.csv"])
        self.assertEqual([e for e in events if e.get("event") == "roster_sync_resumed"], [])
        self.assertEqual(g.gw.sql("SELECT count(*) AS n, sum(state = 'finished') AS done FROM roster_sync"),
                         [{"n": 4, "done": 4}])
        g.gw.stop()
        shutdown = [e for e in g.gw.log_events() if e.get("event") == "shutdown_started"]
        self.assertEqual(shutdown[-1]["drop_workers"], 1)


class RegistryServer:
    """The registry's HTTPS server: the roster with an ETag, 304 when the client already has it."""

    def __init__(self, body):
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(dict(self.headers))
                if self.headers.get("If-None-Match") == '"night-1"':
                    self.send_response(304)
                    self.send_header("ETag", '"night-1"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", '"night-1"')
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        certs = dev_certs()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs, "server.crt"), os.path.join(certs, "server.key"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.handle_error = lambda *args: None
        self.url = f"https://localhost:{self.httpd.server_address[1]}/export/roster.csv?token=SECRET"
        self.ca = os.path.join(certs, "ca.crt")
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


class RosterFromUrl(unittest.TestCase):
    def test_a_published_roster_is_downloaded_on_schedule_and_synced_like_a_dropped_file(self):
        server = RegistryServer(roster([row(n) for n in range(1, 16)]))
        self.addCleanup(server.close)

        def missed_last_night(gw):
            # The last download was three days ago: the nightly run missed meanwhile runs at start.
            state = os.path.join(gw.dir, "data", "schedules")
            os.makedirs(state, exist_ok=True)
            with open(os.path.join(state, "registry.fetch.last-run"), "w") as f:
                f.write(f"{int(time.time()) - 3 * 86400}\n")

        extra = f'      url: "{server.url}"\n      schedule: "30 2 * * *"\n      ca_file: {server.ca}\n'
        g = RosterGateway(extra=extra, before_start=missed_last_night)
        self.addCleanup(g.gw.cleanup)
        done = os.path.join(g.drops, "done")
        wait_until(lambda: os.path.isdir(done) and any(n.endswith(".csv.receipt") for n in os.listdir(done)), 60)
        [receipt_name] = [n for n in os.listdir(done) if n.endswith(".csv.receipt")]
        self.assertRegex(receipt_name, r"^roster-\d{8}-\d{6}\.csv\.receipt$")
        report = g.receipt(receipt_name[:-len(".receipt")])
        self.assertEqual(report["state"], "finished")
        self.assertEqual(report["counts"]["new"], 15)
        self.assertEqual(g.record_versions()["person"], 15)
        # The schedule run itself stored nothing: the roster is stored by its sync, chunk by chunk.
        self.assertEqual(g.gw.sql("SELECT count(*) AS n FROM raw_message WHERE transport = 'schedule'"), [{"n": 0}])
        self.assertIsNone(server.requests[0].get("If-None-Match"))
        self.assertNotIn("SECRET", g.gw.logs())  # the URL's query (a token) is never logged


if __name__ == "__main__":
    unittest.main()
