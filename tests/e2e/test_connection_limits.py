"""Connection exhaustion against the real binary: a flood of idle sockets on the HTTPS and the
MLLP port, a single address taking every slot, and sockets that never start the TLS handshake.
A hospital (mutual TLS, and an MLLP sender) must still get its answers within 2 s."""
import json
import socket
import time
import unittest

from harness import (CR, FS, PERSON, VT, GatewayCase, close_all, closed_by_peer, echo_and_his_config,
                     his_adt as adt, hold_idle_connections, metric, mllp_exchange, msa,
                     raise_open_files_limit, read_mllp_frame)

FLOOD = 1100  # more than max_connections (1,024 by default) on each port


def config(ingest_limits, mllp_limits):
    return echo_and_his_config(top="log: {{ level: info }}", ingest_limits=ingest_limits,
                               mllp_limits=mllp_limits)


class FloodCase(GatewayCase):
    SOCKETS_NEEDED = 2 * FLOOD + 200

    @classmethod
    def setUpClass(cls):
        if raise_open_files_limit(cls.SOCKETS_NEEDED + 256) < cls.SOCKETS_NEEDED + 256:
            raise unittest.SkipTest("the open-files limit (ulimit -Hn) is too low for this test's sockets")
        super().setUpClass()

    def timed(self, action):
        started = time.monotonic()
        result = action()
        return result, time.monotonic() - started

    def post_person(self, key):
        status, _, body = self.gw.post("/v1/records", json.dumps(PERSON), headers={"Idempotency-Key": key})
        return status, body

    def metrics(self):
        return self.gw.get("/metrics")[1]


class IdleFloodOnBothPorts(FloodCase):
    # Every flood socket comes from 127.0.0.1, like the hospital: the per-peer limit is set high
    # so that this exercises the full-listener policy (the next class tests the per-peer limit).
    CONFIG = config("read_timeout: 5s, max_connections_per_peer: 5000",
                    "read_timeout: 5s, max_connections_per_peer: 5000")

    def test_hospital_is_served_within_2s_while_1100_idle_sockets_hold_each_port(self):
        # A sender that was served before the flood keeps its connection through it.
        veteran = socket.create_connection(("127.0.0.1", self.gw.extra_port), timeout=10)
        self.addCleanup(veteran.close)
        veteran.sendall(VT + adt("VETERAN-1") + FS + CR)
        self.assertIn(msa(read_mllp_frame(veteran)[0].decode())[1], ("AA", "CA"))

        https_flood = hold_idle_connections(self.gw.ingest_port, FLOOD)
        self.addCleanup(close_all, https_flood)
        mllp_flood = hold_idle_connections(self.gw.extra_port, FLOOD)
        self.addCleanup(close_all, mllp_flood)

        (status, body), took = self.timed(lambda: self.post_person("flood-https-1"))
        self.assertEqual(status, 201, body)
        self.assertLess(took, 2.0, "mutual-TLS POST during the flood")
        ack, took = self.timed(lambda: mllp_exchange(self.gw.extra_port, adt("FLOOD-MLLP-1"), timeout=5))
        self.assertIn(msa(ack)[1], ("AA", "CA"), ack)
        self.assertLess(took, 2.0, "MLLP exchange during the flood")
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM raw_message "
                                     "WHERE CAST(payload AS TEXT) LIKE '%|FLOOD-MLLP-1|%'")[0]["n"], 1)

        veteran.sendall(VT + adt("VETERAN-2") + FS + CR)
        self.assertIn(msa(read_mllp_frame(veteran)[0].decode())[1], ("AA", "CA"))

        text = self.metrics()
        # Room was made by closing flood sockets (never the veteran, never the clients above).
        self.assertGreaterEqual(metric(text, "kangqiao_connections_evicted"), 2 * (FLOOD - 1024))
        self.assertEqual(metric(text, "kangqiao_connections_refused_full"), 0)
        self.assertLessEqual(metric(text, "kangqiao_connections_open"), 2 * 1024 + 1)
        # Summarised in the log: one line per window, not one per socket.
        evictions = [e for e in self.gw.log_events() if e.get("event") == "connection_evicted"]
        self.assertLess(len(evictions), 10, evictions[:3])


class OnePeerTakesItsShareOnly(FloodCase):
    CONFIG = config("read_timeout: 5s, max_connections_per_peer: 50",
                    "read_timeout: 5s, max_connections_per_peer: 50")

    def test_an_address_over_its_limit_is_refused_and_others_are_served(self):
        # 127.0.0.2 is another address on the loopback interface: another peer.
        flood = hold_idle_connections(self.gw.extra_port, 200, source="127.0.0.2")
        self.addCleanup(close_all, flood)
        refused = sum(1 for s in flood[50:] if closed_by_peer(s, 2))
        self.assertEqual(refused, 150)
        self.assertFalse(closed_by_peer(flood[0], 0.2), "a connection within the limit was closed")

        ack, took = self.timed(lambda: mllp_exchange(self.gw.extra_port, adt("PEER-OK-1"), timeout=5))
        self.assertIn(msa(ack)[1], ("AA", "CA"), ack)
        self.assertLess(took, 2.0)
        self.assertEqual(metric(self.metrics(), "kangqiao_connections_refused_per_peer"), 150)
        refusals = [e for e in self.gw.log_events() if e.get("event") == "connection_refused"]
        self.assertEqual(refusals[0]["peer_address"], "127.0.0.2")
        self.assertEqual(refusals[0]["reason"], "max_connections_per_peer")
        self.assertLess(len(refusals), 10)


class HandshakeHasItsOwnTimeout(FloodCase):
    SOCKETS_NEEDED = 10
    CONFIG = config("read_timeout: 20s, idle_timeout: 30s, handshake_timeout: 1s", "read_timeout: 5s")

    def test_a_socket_that_never_starts_tls_is_closed_at_handshake_timeout(self):
        [idle] = hold_idle_connections(self.gw.ingest_port, 1)
        self.addCleanup(idle.close)
        started = time.monotonic()
        self.assertTrue(closed_by_peer(idle, 10))
        took = time.monotonic() - started
        self.assertGreater(took, 0.8)
        self.assertLess(took, 3.0, "closed at the read timeout (20 s), not the handshake timeout")
        self.assertEqual(metric(self.metrics(), "kangqiao_tls_handshake_timeouts"), 1)
        # A client that does complete the handshake is not cut by it.
        self.assertEqual(self.post_person("after-timeout-1")[0], 201)


if __name__ == "__main__":
    unittest.main()
