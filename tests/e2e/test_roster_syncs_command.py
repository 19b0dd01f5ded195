"""`kangqiao roster-syncs` with the real binary after real roster syncs (docs/adapters/student_registry.md):
the list as a table and as JSON, one run with its rejected rows, the same report as the receipt,
filters and limits, usage errors; the store is only read. And the roster chunks' raw messages
keep the name of the file they were cut from, which reprocess shows."""
import hashlib
import json
import os
import re
import signal
import subprocess
import unittest

from harness import BIN, wait_until
from test_student_registry import ORG, RosterGateway, resident_id, roster, row

NIGHT_1 = [row(n) for n in range(1, 6)]
# Night 2: student 2 moves class, 5 is gone (left), 6 is new; two bad rows (lines 5 and 7).
BAD_ID = row(7).replace(resident_id(7), resident_id(7)[:-1] + ("1" if resident_id(7)[-1] != "1" else "2"))
NIGHT_2 = [row(1), row(2, klass="4班"), row(3), BAD_ID, row(4), row(8, grade="六年极"), row(6)]


def run(*args, ok=True):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    if ok:
        assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return r


def table(text):
    """The list's table as dicts by column header (cells are separated by two or more spaces)."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(header, re.split(r"\s{2,}", line.strip()))) for line in lines[1:]]


class RosterSyncsCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = RosterGateway(rows_per_chunk=2)
        cls.addClassCleanup(cls.g.gw.cleanup)
        cls.config = cls.g.gw.config_path
        cls.g.drop("night-1.csv", roster(NIGHT_1))
        cls.first = cls.g.receipt("night-1.csv")
        cls.g.drop("night-2.csv", roster(NIGHT_2))
        cls.second = cls.g.receipt("night-2.csv")

    def test_the_receipts_are_as_the_rosters_say(self):
        self.assertEqual(self.first["counts"]["new"], 5)
        self.assertEqual(self.second["counts"], {"new": 1, "changed": 1, "transferred": 0, "unchanged": 3, "left": 1,
                                                 "graduated": 0, "rejected": 2})
        self.assertEqual([r["line"] for r in self.second["rejected_rows"]], [5, 7])

    def test_every_chunk_keeps_the_name_of_its_file(self):
        by_file = self.g.gw.sql("SELECT file_name, count(*) AS chunks, min(transport) AS transport FROM raw_message "
                                "GROUP BY file_name ORDER BY file_name")
        self.assertEqual(by_file, [{"file_name": "night-1.csv", "chunks": self.first["chunks"], "transport": "file"},
                                   {"file_name": "night-2.csv", "chunks": self.second["chunks"], "transport": "file"}])
        # The chunks with a rejected row are dead letters that lead back to the file; the listing
        # of `reprocess` names it.
        dead = self.g.gw.sql("SELECT DISTINCT m.id, m.file_name FROM dead_letter d "
                             "JOIN raw_message m ON m.id = d.message_id")
        self.assertEqual({d["file_name"] for d in dead}, {"night-2.csv"})
        r = run("reprocess", "--config", self.config, "--dead-letters", "--dry-run", ok=False)
        for d in dead:
            self.assertIn(d["id"] + " (file night-2.csv) ", r.stdout, r.stdout + r.stderr)

    def test_the_list_shows_every_run_newest_first(self):
        r = run("roster-syncs", "--config", self.config)
        runs = table(r.stdout)
        self.assertEqual([x["FILE"] for x in runs], ["night-2.csv", "night-1.csv"], r.stdout)
        newest = runs[0]
        self.assertEqual(newest["ID"], self.second["roster_sync"])
        self.assertEqual((newest["ADAPTER"], newest["REGISTRY"], newest["STATE"]),
                         ("registry", "registry|" + ORG, "finished"))
        self.assertEqual(newest["ROWS"], str(self.second["rows"]))
        for column, kind in (("NEW", "new"), ("CHANGED", "changed"), ("TRANSFERRED", "transferred"),
                             ("UNCHANGED", "unchanged"), ("LEFT", "left"), ("GRADUATED", "graduated"),
                             ("REJECTED", "rejected")):
            self.assertEqual(newest[column], str(self.second["counts"][kind]), column)
        for when in ("STARTED", "FINISHED"):
            self.assertRegex(newest[when], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertLessEqual(runs[1]["STARTED"], newest["STARTED"])

    def test_the_list_as_json_is_the_receipt_without_its_rows(self):
        listed = json.loads(run("roster-syncs", "--config", self.config, "--json").stdout)
        self.assertEqual(len(listed), 2)
        for entry, receipt in zip(listed, (self.second, self.first)):
            expected = {k: v for k, v in receipt.items() if not k.startswith("rejected_rows")}
            expected["registry"] = "registry|" + ORG
            self.assertEqual(entry, expected)

    def test_adapter_and_limit_select_runs(self):
        one = json.loads(run("roster-syncs", "--config", self.config, "--json", "--limit", "1").stdout)
        self.assertEqual([x["file"] for x in one], ["night-2.csv"])
        r = run("roster-syncs", "--config", self.config, "--adapter", "registry", "--limit=5")
        self.assertEqual(len(table(r.stdout)), 2)
        r = run("roster-syncs", "--config", self.config, "--adapter", "another")
        self.assertIn("No roster syncs of adapter another", r.stdout)
        self.assertEqual(run("roster-syncs", "--config", self.config, "--adapter", "another", "--json").stdout.strip(),
                         "[]")

    def test_show_as_json_is_exactly_the_receipt(self):
        for receipt in (self.first, self.second):
            shown = json.loads(run("roster-syncs", "show", receipt["roster_sync"], "--config", self.config,
                                   "--json").stdout)
            self.assertEqual(shown, receipt)

    def test_show_prints_the_run_and_its_rejected_rows_by_line(self):
        r = run("roster-syncs", "show", self.second["roster_sync"], "--config", self.config)
        out = r.stdout
        self.assertIn("Roster sync " + self.second["roster_sync"], out)
        self.assertIn("registry  registry|" + ORG, out)
        self.assertIn("file      night-2.csv (", out)
        self.assertIn("SHA-256 " + self.second["sha256"], out)
        self.assertIn("state     finished", out)
        self.assertIn("students  new 1, changed 1, transferred 0, unchanged 3, left 1, graduated 0", out)
        self.assertIn("rejected  2 rows", out)
        for rejected in self.second["rejected_rows"]:
            self.assertIn(f"  line {rejected['line']}: {rejected['reason']}\n", out)
        self.assertIn("check digit", out)
        # --limit caps the rows printed and says how many more there are.
        r = run("roster-syncs", "show", self.second["roster_sync"], "--config", self.config, "--limit", "1")
        self.assertIn("  line 5: ", r.stdout)
        self.assertNotIn("  line 7: ", r.stdout)
        self.assertIn("and 1 more", r.stdout)
        capped = json.loads(run("roster-syncs", "show", self.second["roster_sync"], "--config", self.config,
                                "--limit", "1", "--json").stdout)
        self.assertEqual((len(capped["rejected_rows"]), capped["rejected_rows_truncated"]), (1, True))

    def test_usage_errors_and_unknown_runs(self):
        r = run("roster-syncs", "show", "rs-0000000000000000-0", "--config", self.config, ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no roster sync with id 'rs-0000000000000000-0'", r.stderr)
        for args, says in ((["--limit", "0"], "--limit: expected a whole number"),
                           (["--limit", "ten"], "--limit: expected a whole number"),
                           (["show"], "show needs the run's ID"),
                           (["show", "a", "b"], "unexpected argument 'b'"),
                           (["sideways"], "unknown sub-command 'sideways'"),
                           (["--frobnicate"], "unknown option '--frobnicate'"),
                           (["show", "x", "--adapter", "registry"], "--adapter selects runs to list")):
            r = run("roster-syncs", "--config", self.config, *args, ok=False)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(says, r.stderr, args)
            self.assertIn("Usage: kangqiao roster-syncs", r.stderr)
        r = run("roster-syncs", "--path", os.path.join(self.g.gw.dir, "nothing.db"), ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("there is no database file at", r.stderr)
        help_text = run("roster-syncs", "--help").stdout
        for option in ("show ID", "--adapter NAME", "--limit N", "--json", "--config FILE", "--path DB"):
            self.assertIn(option, help_text)
        self.assertIn("roster-syncs", run("--help").stdout)

    def test_z_a_stopped_gateways_store_is_read_without_being_written(self):
        # Named to run last (unittest sorts by name; the class shares one gateway): it stops it.
        self.g.gw.stop()
        db = self.g.gw.db_path
        with open(db, "rb") as f:
            before = hashlib.sha256(f.read()).hexdigest()
        listed = json.loads(run("roster-syncs", "--path", db, "--json").stdout)
        self.assertEqual([x["roster_sync"] for x in listed], [self.second["roster_sync"], self.first["roster_sync"]])
        shown = json.loads(run("roster-syncs", "show", self.first["roster_sync"], "--path", db, "--json").stdout)
        self.assertEqual(shown, self.first)
        with open(db, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), before, "the command changed the store")


class ARunCutShort(unittest.TestCase):
    def test_a_sync_killed_midway_is_listed_as_running_until_it_resumes(self):
        g = RosterGateway(rows_per_chunk=20)
        self.addCleanup(g.gw.cleanup)
        g.drop("big.csv", roster([row(n) for n in range(1, 6001)]))
        started = lambda: (g.gw.sql("SELECT max(chunks_done) AS n FROM roster_sync WHERE state = 'running'")[0]["n"]
                           or 0) >= 3
        self.assertTrue(wait_until(started, 120), g.gw.logs()[-3000:])
        g.gw.stop(signal.SIGKILL)
        stored = g.gw.sql("SELECT id, chunks_done, rows_done FROM roster_sync")[0]

        listed = json.loads(run("roster-syncs", "--config", g.gw.config_path, "--json").stdout)
        self.assertEqual(len(listed), 1)
        self.assertEqual((listed[0]["roster_sync"], listed[0]["state"], listed[0]["chunks"], listed[0]["rows"]),
                         (stored["id"], "running", stored["chunks_done"], stored["rows_done"]))
        self.assertNotIn("finished_at_ms", listed[0])
        runs = table(run("roster-syncs", "--config", g.gw.config_path).stdout)
        self.assertEqual((runs[0]["STATE"], runs[0]["FINISHED"], runs[0]["ROWS"]),
                         ("running", "-", str(stored["rows_done"])))
        shown = run("roster-syncs", "show", stored["id"], "--config", g.gw.config_path).stdout
        self.assertIn("state     running", shown)
        self.assertNotIn("finished  ", shown)

        g.gw.start()  # the run resumes and finishes: the same id, now finished
        report = g.receipt("big.csv", timeout=300)
        self.assertEqual(report["roster_sync"], stored["id"])
        listed = json.loads(run("roster-syncs", "--config", g.gw.config_path, "--json").stdout)
        self.assertEqual([(x["state"], x["rows"]) for x in listed], [("finished", 6000)])


if __name__ == "__main__":
    unittest.main()
