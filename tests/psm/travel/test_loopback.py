"""End to end over a real socket: the googlemaps client talks to a server on 127.0.0.1.

This exercises what `responses` skips (urllib3, its DEBUG log lines with the request URL, a
refused connection), to show the key stays out of logs and messages there too.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from builders import application, frame
from psm.travel import TravelInterrupted

SECONDS = 2468  # 41.1 minutes


class _Google(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.seen.append(url.path)
        if url.path == "/maps/api/geocode/json":
            body = {"status": "OK", "results": [{"place_id": "ChIJloop", "types": ["premise"]}]}
        elif url.path == "/maps/api/distancematrix/json":
            rows = [{"elements": [{"status": "OK", "duration": {"value": SECONDS}}]} for _ in query["origins"].split("|")]
            body = {"status": "OK", "rows": rows}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def loopback():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Google)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_real_socket_round_trip_with_the_key_kept_out_of_debug_logs(loopback, make_google, caplog):
    caplog.set_level(logging.DEBUG)
    base = f"http://127.0.0.1:{loopback.server_address[1]}"
    provider = make_google(env={"PSM_GOOGLE_MAPS_BASE_URL": base})
    apps = frame([application(home_address="Flat 1, Loop Court, Sha Tin")])
    times = provider.travel_times(apps)
    assert (times.minutes[0], times.source[0]) == (41.1, "google")
    assert loopback.seen == ["/maps/api/geocode/json", "/maps/api/distancematrix/json"]
    url_lines = [r.getMessage() for r in caplog.records if "/maps/api/" in r.getMessage()]
    assert url_lines, "urllib3 logs request URLs at DEBUG: the redaction must be exercised"
    assert all("key=***" in line for line in url_lines)
    assert "AIza" not in caplog.text and "loop court" not in caplog.text.lower()


def test_a_refused_connection_stops_with_a_message_free_of_the_key(loopback, make_google, caplog):
    caplog.set_level(logging.DEBUG)
    port = loopback.server_address[1]
    loopback.shutdown()
    loopback.server_close()
    provider = make_google(env={"PSM_GOOGLE_MAPS_BASE_URL": f"http://127.0.0.1:{port}"})
    with pytest.raises(TravelInterrupted, match="network failure during a geocode request") as raised:
        provider.travel_times(frame([application(home_address="Flat 2, Loop Court, Sha Tin")]))
    for text in (str(raised.value), str(raised.value.__cause__), caplog.text):
        assert "AIza" not in text and "loop court" not in text.lower()
