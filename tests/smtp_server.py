"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests/notify.rs, which starts it.

    python3 tests/smtp_server.py DIR [--tls starttls|implicit --cert PEM --key PEM]
        [--reject ADDRESS]... [--drop ADDRESS]... [--login USER:PASSWORD | --refuse-login]
        [--stall silent|drip] [--per-session N]

Listens on a free port and prints `port N` once it accepts connections. Each message it
accepts is stored as DIR/N.eml, the bytes as received, with DIR/N.json beside it: the
envelope, whether the session was encrypted, and the user it logged in as.

--reject ADDRESS   answers RCPT TO for ADDRESS with 550
--drop ADDRESS     closes the connection after a message to ADDRESS, before the reply
--login U:P        offers AUTH (over TLS only) and takes only that user and password
--refuse-login     offers AUTH (over TLS only) and refuses every login with 535
--stall silent     never answers RCPT TO, as a server that hangs
--stall drip       answers RCPT TO with a byte every 0.2 seconds and never ends the line,
                   which a timeout on each read of the socket never ends
--per-session N    takes N messages a connection, then answers MAIL FROM with 421 and
                   closes it, as providers that limit a session do

Stops when its standard input closes. Exits 3 when aiosmtpd is not installed (.ci/run
installs it into target/ci-venv).
"""

import argparse
import asyncio
import json
import ssl
import sys
from pathlib import Path

MISSING = 3

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError as e:
    print(f"aiosmtpd is not installed: {e}", file=sys.stderr)
    sys.exit(MISSING)


class Handler:
    def __init__(self, store, reject, drop, stall, per_session):
        self.store = store
        self.reject = {a.lower() for a in reject}
        self.drop = {a.lower() for a in drop}
        self.stall = stall
        self.per_session = per_session
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.per_session is not None and getattr(session, "taken", 0) >= self.per_session:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 too many messages in one session, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # aiosmtpd cancels this when the client hangs up.
        if self.stall == "silent":
            await asyncio.Event().wait()
        while self.stall == "drip":
            server.transport.write(b"2")
            await asyncio.sleep(0.2)
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.lower() in self.drop for r in envelope.rcpt_tos):
            server.transport.abort()
            return "421 4.3.0 gone"
        self.count += 1
        session.taken = getattr(session, "taken", 0) + 1
        stem = self.store / f"{self.count:03}"
        stem.with_suffix(".eml").write_bytes(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
        }
        stem.with_suffix(".json").write_text(json.dumps(meta))
        return "250 OK stored"


def authenticator(login):
    def check(server, session, envelope, mechanism, auth_data):
        given = f"{auth_data.login.decode()}:{auth_data.password.decode()}"
        if login is not None and given == login:
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)

    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--tls", choices=["starttls", "implicit"])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--login")
    parser.add_argument("--refuse-login", action="store_true")
    parser.add_argument("--stall", choices=["silent", "drip"])
    parser.add_argument("--per-session", type=int)
    args = parser.parse_args()

    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    handler = Handler(Path(args.dir), args.reject, args.drop, args.stall, args.per_session)
    auth = None
    if args.login or args.refuse_login:
        auth = authenticator(args.login)

    def protocol():
        return SMTP(
            handler,
            hostname="secbook-test",
            tls_context=context if args.tls == "starttls" else None,
            authenticator=auth,
            # Over implicit TLS aiosmtpd does not know it is encrypted; the client offers
            # a login there only after the handshake all the same.
            auth_require_tls=args.tls == "starttls",
            decode_data=False,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        protocol,
        "127.0.0.1",
        0,
        ssl=context if args.tls == "implicit" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"port {port}", flush=True)
    # Runs until the test closes our standard input (or ends).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
