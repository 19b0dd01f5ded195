"""Starts the real kangqiao binary on loopback with its own config, data and certificates."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import http.client

BIN = os.environ.get("KQ_BIN", "build/bin/kangqiao")
SOURCE_DIR = os.environ.get("KQ_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
PLUGIN_DIR = os.environ.get("KQ_PLUGIN_DIR", os.path.join(SOURCE_DIR, "build/plugins"))
TEST_PLUGIN_DIR = os.environ.get("KQ_TEST_PLUGIN_DIR", os.path.join(SOURCE_DIR, "build/test-plugins"))

_certs = None


def dev_certs():
    """Certificates made once per test process by the project's own script, plus a client
    certificate from a CA the gateway does not trust."""
    global _certs
    if _certs:
        return _certs
    d = tempfile.mkdtemp(prefix="kq-e2e-certs-")
    env = dict(os.environ, KQ_CERT_DIR=d)
    subprocess.run([os.path.join(SOURCE_DIR, "certs/gen-dev-certs.sh")], check=True, env=env,
                   stderr=subprocess.DEVNULL)
    rogue = os.path.join(d, "rogue")
    os.makedirs(rogue)
    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", f"{rogue}/ca.key", "-out", f"{rogue}/ca.crt", "-days", "2", "-subj", "/CN=Rogue CA")
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", f"{rogue}/client.key", "-out", f"{rogue}/client.csr",
         "-subj", "/C=CN/O=Demo District Hospital/CN=hospital-a")
    ossl("x509", "-req", "-in", f"{rogue}/client.csr", "-CA", f"{rogue}/ca.crt", "-CAkey", f"{rogue}/ca.key",
         "-CAcreateserial", "-out", f"{rogue}/client.crt", "-days", "2")
    _certs = d
    return d


def issue_client_cert(ca_dir, out_dir, name, subject):
    """A client certificate signed by the gateway's (development) CA."""
    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", f"{out_dir}/{name}.key", "-out", f"{out_dir}/{name}.csr", "-subj", subject)
    ossl("x509", "-req", "-in", f"{out_dir}/{name}.csr", "-CA", f"{ca_dir}/ca.crt", "-CAkey", f"{ca_dir}/ca.key",
         "-CAcreateserial", "-CAserial", f"{out_dir}/ca.srl", "-out", f"{out_dir}/{name}.crt", "-days", "2")


def read(path):
    """A file's bytes."""
    with open(path, "rb") as f:
        return f.read()


VT, FS, CR = b"\x0b", b"\x1c", b"\r"  # MLLP framing: <VT> message <FS><CR>


def read_mllp_frame(sock, buffered=b""):
    """Reads one MLLP frame; returns (its content without VT/FS/CR, bytes read beyond it).
    Raises ConnectionError when the peer closes first."""
    data = buffered
    while FS + CR not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a full frame: %r" % data[:200])
        data += chunk
    frame, rest = data.split(FS + CR, 1)
    return frame.lstrip(VT), rest


def mllp_exchange(port, payload, timeout=15):
    """Sends one HL7 message framed over a new MLLP connection; returns the ACK as text."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(VT + payload + FS + CR)
        return read_mllp_frame(s)[0].decode("utf-8")


def mllp_send(port, payload):
    """Sends one HL7 message with python-hl7's `mllp_send` (a real third-party MLLP client);
    returns what it printed (the ACK). Raises AssertionError if the client fails."""
    with tempfile.NamedTemporaryFile("wb", suffix=".hl7", delete=False) as f:
        f.write(VT + payload + FS + CR)
    try:
        r = subprocess.run(["mllp_send", "--file", f.name, "--port", str(port), "127.0.0.1"],
                           capture_output=True, text=True, timeout=30)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        raise AssertionError("mllp_send failed: " + r.stderr)
    return r.stdout


def msa(ack):
    """The MSA segment of an ACK (CR or LF separated), split into fields."""
    for seg in ack.replace("\n", "\r").split("\r"):
        if seg.startswith("MSA|"):
            return seg.split("|")
    raise AssertionError("no MSA in %r" % ack)


def his_mllp_config(log_level="info", limits="", mappings=None):
    """A config template (see Gateway.write_config) with the `his` adapter `hospital-a` on an
    MLLP listener at {extra_port}, mapping with `mappings` (default: the shipped mappings)."""
    limits_line = f"\n    limits: {{{{ {limits} }}}}" if limits else ""
    return f"""
data_dir: {{data}}
log: {{{{ level: {log_level} }}}}
listeners:
  - name: admin
    port: {{admin_port}}
  - name: hl7
    protocol: mllp
    port: {{extra_port}}{limits_line}
plugins:
  directory: {{plugins}}
mappings:
  directory: {mappings or os.path.join(SOURCE_DIR, "mappings")}
adapters:
  - name: hospital-a
    plugin: his
    listener: hl7
    config:
      facility: E2E
"""


def raise_open_files_limit(wanted):
    """Raises this process's soft limit on open files to `wanted` (as far as the hard limit
    allows); returns the limit now in force."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def hold_idle_connections(port, count, source="127.0.0.1"):
    """Opens `count` TCP connections to `port` that never send a byte (no TLS handshake, no
    frame), from the loopback address `source`; returns the sockets, for the caller to close."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((source, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            held.append(s)
    except BaseException:
        close_all(held)
        raise
    return held


def close_all(sockets):
    for s in sockets:
        try:
            s.close()
        except OSError:
            pass


def closed_by_peer(sock, timeout):
    """True when the peer closes (or resets) `sock` within `timeout` seconds without sending."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def metric(text, name):
    """The value of an unlabelled metric in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


RESIDENT_ID = "urn:oid:2.16.156.10011.1.3"
# A valid canonical person, as the example_echo adapter takes it (the default config's route).
PERSON = {"kind": "person", "identifiers": [{"system": RESIDENT_ID, "value": "11010519491231002X"}],
          "name": {"family": "张", "given": "三", "text": "张三"}, "sex": "2", "birth_date": "1949-12-31"}


def wait_until(predicate, timeout, step=0.05):
    """Polls `predicate` until it is true or `timeout` seconds have passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def his_adt(control_id):
    """The ADT^A01 fixture with its MSH-10 replaced, for the his adapter."""
    with open(os.path.join(SOURCE_DIR, "tests/fixtures/hl7v2/adt_a01.hl7"), "rb") as f:
        message = f.read().replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    return message.replace(b"HIS20240912000001", control_id.encode())


def echo_and_his_config(data="{data}", top="", ingest_limits="", mllp_limits="", store=""):
    """A config template (see Gateway.write_config): an mTLS HTTPS listener `ingest` where
    example_echo takes PERSON at /v1/records from hospital-a, and an MLLP listener `hl7` at
    {extra_port} where the his adapter `hospital-a` takes HL7 v2 with the shipped mappings.
    `top`: extra top-level lines; the others: extra settings of those blocks."""
    def block(settings):
        return f"{{{{ {settings} }}}}" if settings else "{{}}"
    return f"""
data_dir: {data}
{top}
listeners:
  - name: admin
    port: {{admin_port}}
  - name: ingest
    port: {{ingest_port}}
    serve_health: false
    limits: {block(ingest_limits)}
    tls:
      certificate: {{certs}}/server.crt
      private_key: {{certs}}/server.key
      client_ca: {{certs}}/ca.crt
      require_client_certificate: true
  - name: hl7
    protocol: mllp
    port: {{extra_port}}
    limits: {block(mllp_limits)}
store: {block("path: kangqiao.db" + (", " + store if store else ""))}
plugins:
  directory: {{plugins}}
mappings:
  directory: {os.path.join(SOURCE_DIR, "mappings")}
adapters:
  - name: demo-records
    plugin: example_echo
    listener: ingest
    roles: [records.write]
    config:
      path: /v1/records
  - name: hospital-a
    plugin: his
    listener: hl7
    config:
      facility: E2E
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    roles: [his.push, records.write]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(data_dir, certs, admin_port, ingest_port, route="/v1/records", extra_adapters=""):
    return f"""
node_name: e2e
data_dir: {data_dir}
log: {{ level: debug }}
threads: {{ io: 2, blocking: 2 }}
shutdown_grace: 5s
listeners:
  - name: admin
    address: 127.0.0.1
    port: {admin_port}
  - name: ingest
    address: 127.0.0.1
    port: {ingest_port}
    serve_health: false
    limits: {{ max_body_bytes: 64KiB, read_timeout: 5s, idle_timeout: 10s }}
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
store:
  path: kangqiao.db
  group_commit: {{ max_batch: 500, max_delay: 1ms }}
plugins:
  directory: {PLUGIN_DIR}
adapters:
  - name: demo-records
    plugin: example_echo
    listener: ingest
    roles: [records.write]
    config:
      path: {route}
{extra_adapters}
principals:
  - name: hospital-a
    organisation: "12110000MB0000001X"
    roles: [his.push, records.write]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
"""


class Gateway:
    def __init__(self, **config_args):
        self.dir = tempfile.mkdtemp(prefix="kq-e2e-")
        self.certs = dev_certs()
        self.admin_port = free_port()
        self.ingest_port = free_port()
        self.extra_port = free_port()
        self.config_path = os.path.join(self.dir, "kangqiao.yaml")
        self.db_path = os.path.join(self.dir, "data", "kangqiao.db")
        self.log_path = os.path.join(self.dir, "gateway.log")
        self.write_config(**config_args)
        self.proc = None

    def write_config(self, text=None, **config_args):
        """Writes the standard test config, or `text` formatted with {data}, {certs}, {admin_port},
        {ingest_port}, {extra_port} and {plugins}."""
        self._config_spec = (text, config_args)
        if text is None:
            text = config_text(os.path.join(self.dir, "data"), self.certs, self.admin_port,
                               self.ingest_port, **config_args)
        else:
            text = text.format(data=os.path.join(self.dir, "data"), certs=self.certs,
                               admin_port=self.admin_port, ingest_port=self.ingest_port,
                               extra_port=self.extra_port, plugins=PLUGIN_DIR,
                               test_plugins=TEST_PLUGIN_DIR)
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self, wait_for_store=True):
        """Starts the gateway and waits until /healthz answers and, with `wait_for_store`, until
        the store has opened (/healthz answers before: the store opens after the listeners).
        Tests run in parallel and pick free ports by binding and closing, so another test may
        take a port in between: on the first start, a port that is already taken means new
        ports and another try."""
        first_start = self.proc is None
        for attempt in range(3):
            try:
                self._start_once()
                if wait_for_store:
                    self._wait_for_store()
                return self
            except RuntimeError as e:
                if not (first_start and "cannot listen" in str(e) and attempt < 2):
                    raise
                self.admin_port, self.ingest_port, self.extra_port = free_port(), free_port(), free_port()
                text, config_args = self._config_spec
                self.write_config(text, **config_args)

    def _start_once(self):
        if getattr(self, "log", None):
            self.log.close()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, "run", "--config", self.config_path],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gateway exited during start-up:\n" + self.logs())
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gateway did not become healthy:\n" + self.logs())

    def _wait_for_store(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gateway exited while opening its store:\n" + self.logs())
            status, body = self.get("/readyz")
            # Ready, or not ready for a reason other than start-up (a test may want that).
            if status == 200 or ("store opening" not in body and "listeners starting" not in body):
                return
            time.sleep(0.02)
        raise RuntimeError("the gateway's store did not open:\n" + self.logs())

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if not os.environ.get("KQ_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_events(self):
        events = []
        for line in self.logs().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events

    def wait_for_event(self, name, timeout=10, after=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            matches = [e for e in self.log_events()[after:] if e.get("event") == name]
            if matches:
                return matches
            time.sleep(0.05)
        raise AssertionError(f"no '{name}' event in the log:\n{self.logs()}")

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=10)
        conn.request("GET", path)
        try:
            r = conn.getresponse()
            return r.status, r.read().decode()
        finally:
            conn.close()

    def tls_context(self, client="hospital-a"):
        ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.crt"))
        if client == "rogue":
            ctx.load_cert_chain(os.path.join(self.certs, "rogue/client.crt"),
                                os.path.join(self.certs, "rogue/client.key"))
        elif client:
            ctx.load_cert_chain(os.path.join(self.certs, f"{client}.crt"),
                                os.path.join(self.certs, f"{client}.key"))
        return ctx

    def post(self, path, body, client="hospital-a", headers=None, content_type="application/json"):
        conn = http.client.HTTPSConnection("localhost", self.ingest_port, timeout=10,
                                           context=self.tls_context(client))
        h = {"Content-Type": content_type}
        h.update(headers or {})
        try:
            conn.request("POST", path, body=body.encode() if isinstance(body, str) else body, headers=h)
            r = conn.getresponse()
            text = r.read().decode()
        finally:
            conn.close()
        try:
            return r.status, r.getheader("Content-Type"), json.loads(text)
        except ValueError:
            return r.status, r.getheader("Content-Type"), text

    def sql(self, query):
        out = subprocess.run(["sqlite3", "-readonly", "-json", self.db_path, query],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out) if out.strip() else []


class GatewayCase(unittest.TestCase):
    """Tests sharing one gateway, started from the class's CONFIG template (None: the default
    config) once for the class; prepare() runs between writing the config and starting."""
    CONFIG = None

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway()
        # Registered first: it also runs when prepare() or start() fails, which tearDownClass
        # would not.
        cls.addClassCleanup(cls.gw.cleanup)
        if cls.CONFIG is not None:
            cls.gw.write_config(text=cls.CONFIG)
        cls.prepare()
        cls.gw.start()
