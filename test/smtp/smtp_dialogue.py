# Drives one SMTP session with Python's smtplib for the tests: reads the connection as one JSON line on
# stdin, then one JSON step per line, and answers each with one JSON line: the reply's code and text
# (enhanced code included), the EHLO keywords and the server's certificate where they apply.
import json
import smtplib
import ssl
import sys
import time


def reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return {"code": code, "text": text.replace("\n", " "), "at": time.time()}


def stream_data(s, size, line):
    # The message is generated line by line as it is sent, never held whole.
    code, text = s.docmd("DATA")
    if code != 354:
        return reply(code, text)
    header = b"From: sender@example.com\r\nTo: rcpt@example.com\r\nSubject: big\r\n\r\n"
    s.send(header)
    sent = len(header)
    chunk = (line.encode() + b"\r\n") * 512
    while sent + len(chunk) <= size:
        s.send(chunk)
        sent += len(chunk)
    s.send(b".\r\n")
    code, text = s.getreply()
    return reply(code, text)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    script = json.loads(sys.stdin.readline())
    context = ssl.create_default_context()
    # The server's certificate is self-signed: the tests check TLS is used, not who signed it.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    host, port = script["host"], script["port"]
    try:
        if script.get("implicit_tls"):
            s = smtplib.SMTP_SSL(host, port, local_hostname="client.test", context=context, timeout=60)
            emit(dict(reply(220, "connected"), peer_cert=s.sock.getpeercert(binary_form=True).hex()))
        else:
            s = smtplib.SMTP(host, port, local_hostname="client.test", timeout=60)
            emit(reply(220, "connected"))
    except smtplib.SMTPConnectError as e:
        emit(reply(e.smtp_code, e.smtp_error))
        return
    for raw in sys.stdin:
        step = json.loads(raw)
        kind = step["do"]
        extra = {"sent": time.time()}
        try:
            if kind == "ehlo":
                code, text = s.ehlo("client.test")
                extra["features"] = dict(s.esmtp_features)
                r = reply(code, text)
            elif kind == "starttls":
                code, text = s.starttls(context=context)
                extra["peer_cert"] = s.sock.getpeercert(binary_form=True).hex()
                r = reply(code, text)
            elif kind == "auth":
                s.user, s.password = step["user"], step["password"]
                mech = step.get("mechanism", "PLAIN")
                obj = s.auth_plain if mech == "PLAIN" else s.auth_login
                try:
                    code, text = s.auth(mech, obj, initial_response_ok=step.get("initial", True))
                    r = reply(code, text)
                except smtplib.SMTPAuthenticationError as e:
                    r = reply(e.smtp_code, e.smtp_error)
            elif kind == "cmd":
                code, text = s.docmd(step["line"])
                r = reply(code, text)
            elif kind == "data":
                code, text = s.docmd("DATA")
                if code == 354:
                    body = step.get("body", "Subject: test\r\n\r\nhello\r\n")
                    s.send(body.replace("\r\n.", "\r\n..").encode() + b"\r\n.\r\n")
                    code, text = s.getreply()
                r = reply(code, text)
            elif kind == "stream":
                r = stream_data(s, step["size"], step.get("line", "y" * 76))
            elif kind == "quit":
                break
            else:
                raise ValueError("unknown step " + kind)
        except (smtplib.SMTPServerDisconnected, ConnectionError, OSError) as e:
            r = reply(-1, "disconnected: " + str(e))
        emit(dict(r, **extra))
    try:
        s.quit()
    except Exception:
        pass


main()
