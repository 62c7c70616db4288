"""Bench: full 24-topic responses submitted through the real form, gunicorn on PostgreSQL, 50 concurrent respondents.

Prints figures; not a test. Usage (see bench/README.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_surveys .venv/bin/python bench/bench_submit.py [--responses 3000]
Each respondent first opens the questionnaire page (GET: CSRF cookie and token, field names; timed separately), then
all respondents submit concurrently (POST of every answer with the page's CSRF token, action=submit). The client is
one asyncio loop speaking raw HTTP/1.1, so it costs little of the 2 shared cores; the CPU each process used per
request is printed, to show where the time goes. Afterwards the database is checked: every response submitted
exactly once with 24 ratings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dma_surveys")
os.environ.update({"DEBUG": "False", "SECRET_KEY": "bench-" + "x" * 50, "SECURE_SSL_REDIRECT": "False",
                   "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "materiality.settings"})
os.environ.pop("REDIS_URL", None)

import _history  # noqa: E402

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)
TICK = os.sysconf("SC_CLK_TCK")
CSRF_FIELD = b'name="csrfmiddlewaretoken" value="'


def setup(n: int) -> tuple[str, list[str]]:
    """Create a fresh assessment and one sent personal invitation per respondent; return (slug, link secrets)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from materiality import services as library_services
    from materiality.models import IssueLibrary
    from stakeholders.models import Stakeholder, StakeholderGroup
    from surveys import services, tokens
    from surveys.models import Invitation, InvitationToken

    library_services.load_library("calb-2024")
    slug = f"bench-{int(time.time())}"
    assessment = services.create_assessment(
        slug=slug, name=slug, library=IssueLibrary.objects.get(year=2024),
        weights={g: 1.0 for g in StakeholderGroup.objects.all()})
    customers = StakeholderGroup.objects.get(code="customers")
    questionnaire = services.questionnaire_for_group(assessment, customers)
    contacts = Stakeholder.objects.bulk_create(
        Stakeholder(name=f"Bench {i}", email=f"{slug}-{i}@example.org", group=customers) for i in range(n))
    secrets = [tokens.make_token() for _ in range(n)]
    invitations = Invitation.objects.bulk_create(
        Invitation(questionnaire=questionnaire, contact=c, group=customers, token_hash=tokens.hash_token(s),
                   status=Invitation.Status.SENT) for c, s in zip(contacts, secrets, strict=True))
    InvitationToken.objects.bulk_create(
        InvitationToken(invitation=i, token_hash=tokens.hash_token(s)) for i, s in zip(invitations, secrets, strict=True))
    return slug, secrets


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- CPU accounting from /proc: who used the 2 cores during a phase -------------------------------

def process_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def machine_ticks() -> tuple[int, int]:
    """Return (busy, idle) ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, idle


def database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


@dataclass
class CpuSnapshot:
    server: dict[int, int]
    database: dict[int, int]
    client: float
    machine: tuple[int, int]

    @classmethod
    def take(cls, server_pid: int) -> CpuSnapshot:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            server={p: process_ticks(p) for p in [server_pid, *children_of(server_pid)]},
            database={p: process_ticks(p) for p in database_backends()},
            client=usage.ru_utime + usage.ru_stime, machine=machine_ticks(),
        )


def cpu_report(before: CpuSnapshot, after: CpuSnapshot, count: int, wall: float) -> str:
    """Milliseconds of CPU per request: gunicorn, PostgreSQL backends, this client, everything else; and idle."""
    def spent(a: dict[int, int], b: dict[int, int]) -> float:
        return sum(ticks - a.get(pid, 0) for pid, ticks in b.items()) / TICK

    server = spent(before.server, after.server)
    database = spent(before.database, after.database)
    client = after.client - before.client
    busy = (after.machine[0] - before.machine[0]) / TICK
    idle = (after.machine[1] - before.machine[1]) / TICK
    other = max(0.0, busy - server - database - client)
    per = 1000 / count
    ours = (server + database + client) * per
    cores = os.cpu_count() or 1
    report = (f"CPU per request: gunicorn {server * per:5.2f} ms, PostgreSQL {database * per:5.2f} ms, "
              f"client {client * per:5.2f} ms, other processes {other * per:5.2f} ms, idle {idle * per:5.2f} ms; "
              f"{cores} cores alone would serve about {cores * 1000 / ours:4.0f}/s at {ours:4.2f} ms each")
    if busy + idle and other / (busy + idle) > 0.1:
        report += (f"\n  NOTE: other processes used {100 * other / (busy + idle):.0f}% of the machine during this "
                   f"phase: the rate above is not this server's alone; run again on a quiet machine")
    return report


# --- a cheap HTTP/1.1 client ------------------------------------------------------------------------

@dataclass
class Respondent:
    token: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    body: bytes = b""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k == name), "")


class Connection:
    """One keep-alive connection; reconnects when the server closes it (gunicorn's sync workers always do)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
        reply = Reply(int(lines[0][9:12]), headers, b"")
        length = reply.header("content-length")
        if length:
            reply.body = await self.reader.readexactly(int(length))
        elif reply.header("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            reply.body = b"".join(c[:-2] for c in chunks)
        else:
            reply.body = await self.reader.read()
        if reply.header("connection").lower() == "close" or not length and not reply.header("transfer-encoding"):
            self.close()
        return reply

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def form_url(r: Respondent) -> str:
    return f"/r/{r.token}/questions/"


def get_request(r: Respondent) -> bytes:
    return f"GET {form_url(r)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n\r\n".encode()


def post_request(r: Respondent) -> bytes:
    return (f"POST {form_url(r)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(r.body)}\r\n"
            f"Cookie: {r.cookie_header()}\r\nReferer: http://127.0.0.1{form_url(r)}\r\n\r\n").encode() + r.body


def opened(r: Respondent, reply: Reply, pages: list[bytes]) -> bool:
    """Keep the cookies and the page's CSRF token (a find, not a parse: the client must stay cheap)."""
    for name, value in reply.headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            r.cookies[key.strip()] = rest.split(";", 1)[0]
    start = reply.body.find(CSRF_FIELD)
    if reply.status != 200 or start < 0:
        return False
    start += len(CSRF_FIELD)
    r.csrf = reply.body[start:reply.body.index(b'"', start)].decode()
    if not pages:
        pages.append(reply.body)
    return True


def submitted(r: Respondent, reply: Reply) -> bool:
    return reply.status == 302 and reply.header("location").endswith("/thanks/")


async def run_phase(
    port: int, respondents: list[Respondent], concurrency: int, build, check,
) -> tuple[float, list[float], int]:
    """Send build(r) for every respondent over `concurrency` connections; check(r, reply) says if it worked."""
    queue = iter(respondents)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        conn = Connection(port)
        for r in queue:
            raw = build(r)
            start = time.perf_counter()
            try:
                reply = await conn.send(raw)
                ok = check(r, reply)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                conn.close()
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors


def answers_body(r: Respondent, page: bytes) -> bytes:
    """Answer every question the page asks (varied values, so no straight-lining), with this respondent's token."""
    html = page.decode()
    fields: list[tuple[str, str]] = [("csrfmiddlewaretoken", r.csrf), ("action", "submit")]
    fields += [("topics", t) for t in re.findall(r'name="topics" value="(\d+)"', html)]
    names = sorted(set(re.findall(r'type="radio" class="btn-check" name="(t\d+-\w+)"', html)))
    fields += [(name, "medium" if name.endswith("-horizon") else str(1 + i % 5)) for i, name in enumerate(names)]
    return urllib.parse.urlencode(fields).encode()


def gunicorn_command(args: argparse.Namespace) -> list[str]:
    command = [str(ROOT / ".venv/bin/gunicorn"), "materiality.wsgi", "-b", f"127.0.0.1:{args.port}",
               "-w", str(args.workers), "-k", args.worker_class, "--backlog", "2048", "--log-level", "warning"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    return command


def wait_for(port: int) -> None:
    import http.client

    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/accounts/login/")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=3, help="2 cores: 3 sync workers served best")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    args = parser.parse_args()

    slug, secrets = setup(args.responses)
    command = gunicorn_command(args)
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    try:
        wait_for(args.port)
        respondents = [Respondent(s) for s in secrets]
        pages: list[bytes] = []
        before = CpuSnapshot.take(server.pid)
        get_time, get_lat, get_errors = asyncio.run(run_phase(
            args.port, respondents, args.concurrency, get_request, lambda r, reply: opened(r, reply, pages)))
        get_cpu = cpu_report(before, CpuSnapshot.take(server.pid), args.responses, get_time)
        for r in respondents:
            r.body = answers_body(r, pages[0]) if pages else b""
        before = CpuSnapshot.take(server.pid)
        post_time, post_lat, post_errors = asyncio.run(run_phase(
            args.port, respondents, args.concurrency, post_request, submitted))
        post_cpu = cpu_report(before, CpuSnapshot.take(server.pid), args.responses, post_time)
    finally:
        server.terminate()
        server.wait()

    from django.db.models import Count

    from surveys.models import Rating, Response

    responses = Response.objects.filter(assessment__slug=slug)
    submitted_count = responses.filter(status=Response.Status.SUBMITTED).count()
    per_response = set(Rating.objects.filter(response__assessment__slug=slug).values("response")
                       .annotate(n=Count("topic")).values_list("n", flat=True))
    n = args.responses
    kind = f"{args.workers} {args.worker_class} workers" + (f" x {args.threads} threads" if args.worker_class == "gthread"
                                                            else "")
    print(f"bench_submit: {n} respondents, {args.concurrency} concurrent, gunicorn {kind}, "
          f"PostgreSQL ({os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}), {os.cpu_count()} CPUs")
    print("server: " + shlex.join([".venv/bin/gunicorn", *command[1:]]))
    print(f"open form (GET, 24 topics): {n / get_time:7.1f} pages/s   p50 {statistics.median(get_lat) * 1000:6.1f} ms   "
          f"p95 {percentile(get_lat, 95) * 1000:6.1f} ms   errors {get_errors}")
    print("  " + get_cpu)
    print(f"submit (POST, full form):   {n / post_time:7.1f} responses/s   "
          f"p50 {statistics.median(post_lat) * 1000:6.1f} ms   "
          f"p95 {percentile(post_lat, 95) * 1000:6.1f} ms   p99 {percentile(post_lat, 99) * 1000:6.1f} ms   "
          f"max {max(post_lat) * 1000:6.1f} ms   errors {post_errors}")
    print("  " + post_cpu)
    print(f"stored: {responses.count()} responses, {submitted_count} submitted, ratings per response {sorted(per_response)}")
    ok = responses.count() == n and submitted_count == n and per_response == {24}
    print("every response stored exactly once: " + ("yes" if ok else "NO"))
    target = n / post_time >= 200 and percentile(post_lat, 95) < 0.25 and not post_errors
    print("target (>= 200 responses/s, p95 < 250 ms): " + ("reached" if target else "NOT reached"))
    _history.figure("open form: pages/s", n / get_time, "/s")
    _history.figure("open form: p95", percentile(get_lat, 95) * 1000, "ms")
    _history.figure("submit: responses/s", n / post_time, "/s")
    _history.figure("submit: p95", percentile(post_lat, 95) * 1000, "ms")


if __name__ == "__main__":
    main()
