#!/usr/bin/env python3
"""make demo's webhook receiver: prints each alert the daemon delivers, one line per alert."""
import http.server
import json


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        for alert in body["alerts"]:
            status = alert["status"].upper()
            print(f"[{status:8}] {alert['annotations']['summary']}  "
                  f"(invoke {alert['labels']['invoke_id']}, fingerprint {alert['fingerprint']})",
                  flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on 127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
