"""The smoke walk's stand-ins for the town's gateways: Aliyun SMS (signatures checked as the cloud
checks them) and an SMTP server, on loopback. Writes their addresses to ``WORK/clouds.json``, and
what they received to ``WORK/sms.json`` and ``WORK/mail.json``, until it is stopped."""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
import time
from pathlib import Path

from beiyang.ops.tests.clouds import AliyunSms, Cloud, SmtpServer

LOGIN_TEMPLATE, NOTICE_TEMPLATE = "SMS_480010001", "SMS_480010002"


def main() -> None:
    work = Path(sys.argv[1])
    cloud = Cloud(templates={LOGIN_TEMPLATE: ["code", "minutes"], NOTICE_TEMPLATE: ["kind", "link"]})
    stop = []
    signal.signal(signal.SIGTERM, lambda *args: stop.append(True))
    with AliyunSms(cloud) as sms, SmtpServer() as smtp:
        (work / "clouds.json").write_text(
            json.dumps(
                {
                    "sms_endpoint": sms.endpoint,
                    "access_key_id": cloud.access_key_id,
                    "access_key_secret": cloud.access_key_secret,
                    "sign_name": cloud.sign_name,
                    "login_template": LOGIN_TEMPLATE,
                    "notice_template": NOTICE_TEMPLATE,
                    "smtp_port": smtp.port,
                }
            )
        )
        while not stop:
            time.sleep(0.2)
            sent = [dataclasses.asdict(s) for s in cloud.sent]
            (work / "sms.json").write_text(
                json.dumps({"sent": sent, "rejected": cloud.rejected}, ensure_ascii=False)
            )
            mail = [{"to": m["To"], "subject": m["Subject"]} for m in smtp.messages]
            (work / "mail.json").write_text(json.dumps(mail, ensure_ascii=False))


if __name__ == "__main__":
    main()
