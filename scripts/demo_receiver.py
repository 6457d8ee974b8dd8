#!/usr/bin/env python3
"""make demo's receivers: a webhook (POST /hook) that prints each alert the daemon delivers, one
line per alert, and a DingTalk-style robot (POST /robot/send) that prints the markdown message it
gets and answers as DingTalk does."""
import http.server
import json


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path.startswith("/robot/send"):
            text = body["markdown"]["text"].rstrip("\n")
            print("[dingtalk] " + text.replace("\n", "\n           "), flush=True)
            answer = b'{"errcode":0,"errmsg":"ok"}'
        else:
            for alert in body["alerts"]:
                status = alert["status"].upper()
                print(f"[{status:8}] {alert['annotations']['summary']}  "
                      f"(invoke {alert['labels']['invoke_id']}, "
                      f"fingerprint {alert['fingerprint']})", flush=True)
            answer = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on 127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
