"""A billing receiver for reconcile's http sink: verify, take each message once, act.

Run it with BILLING_SECRET=whsec_... python3 receiver.py 8088 billing.sqlite
"""

import os
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

WEBHOOK = Webhook(os.environ["BILLING_SECRET"])
DB = sqlite3.connect(sys.argv[2] if len(sys.argv) > 2 else "billing.sqlite")
DB.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)")


def act(notice: dict) -> None:
    if notice["type"] != "decision":
        return
    where = [notice["delivery"], notice["client"], notice["file"]["path"]]
    if notice["billable"]:  # true once per file: when its result became approved
        print("start billing:", *where, notice["link"], flush=True)
    elif notice["decision"] == "rejected":
        print("alert the team:", *where, "-", notice["message"], flush=True)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            notice = WEBHOOK.verify(body, dict(self.headers))
        except WebhookVerificationError:
            self.send_response(401)  # not from reconcile, altered on the way, or too old
            self.end_headers()
            return
        with DB:  # the id is kept only if acting on it went through
            new = DB.execute("INSERT OR IGNORE INTO seen (id) VALUES (?)", (notice["id"],))
            if new.rowcount:
                act(notice)
            else:
                print("already taken:", notice["id"], flush=True)
        self.send_response(204)  # taken (also when it was a repeat)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
