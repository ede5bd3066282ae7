"""A real SMTP server (aiosmtpd) for the mail tests.

Usage: smtp_sink.py OUT_DIR [--stall-first N]

Listens on 127.0.0.1 (a free port, printed as "PORT <n>" on stdout), and writes every message it
accepts to OUT_DIR as one JSON file: envelope sender and recipients, decoded subject and text body,
Message-ID. With --stall-first N, the first N connections stall at RCPT (touching OUT_DIR/stalled)
so a test can kill a client mid-send.
"""
import asyncio
import email
import email.policy
import json
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out_dir, stall):
        self.out_dir = out_dir
        self.stall = stall
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall > 0:
            self.stall -= 1
            open(os.path.join(self.out_dir, "stalled"), "w").close()
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "body": body.get_content() if body is not None else "",
        }
        self.count += 1
        name = os.path.join(self.out_dir, "%d-%d.json" % (time.time_ns(), self.count))
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"


def main():
    out_dir = sys.argv[1]
    stall = int(sys.argv[sys.argv.index("--stall-first") + 1]) if "--stall-first" in sys.argv else 0
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Sink(out_dir, stall), hostname="127.0.0.1", port=port)
    controller.start()
    print("PORT %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
