"""Bench: full 24-topic responses submitted through the real form, gunicorn on PostgreSQL, 50 concurrent respondents.

Prints figures; not a test. Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_surveys .venv/bin/python bench/bench_submit.py [--responses 3000]
Each respondent first opens the questionnaire page (GET: CSRF cookie, field names; timed separately), then all
respondents submit concurrently (POST of every answer, action=submit). Afterwards the database is checked: every
response submitted exactly once with 24 ratings.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dma_surveys")
os.environ.update({"DEBUG": "False", "SECRET_KEY": "bench-" + "x" * 50, "SECURE_SSL_REDIRECT": "False",
                   "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "materiality.settings"})
os.environ.pop("REDIS_URL", None)


def setup(n: int) -> tuple[str, list[str]]:
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


class Respondent:
    def __init__(self, token: str) -> None:
        self.token = token
        self.cookies: dict[str, str] = {}
        self.body = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


def run_phase(port: int, respondents: list[Respondent], concurrency: int, action) -> tuple[float, list[float], int]:
    """Run `action(conn, respondent)` for every respondent over `concurrency` keep-alive connections."""
    work: queue.Queue[Respondent] = queue.Queue()
    for r in respondents:
        work.put(r)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while True:
            try:
                r = work.get_nowait()
            except queue.Empty:
                break
            start = time.perf_counter()
            try:
                ok = action(conn, r)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, errors[0]


def open_form(conn: http.client.HTTPConnection, r: Respondent) -> bool:
    conn.request("GET", f"/r/{r.token}/questions/", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    html = response.read().decode()
    r.keep_cookies(response)
    # Build the POST now, so the timed phase measures the server, not the client's HTML parsing.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields: list[tuple[str, str]] = [("csrfmiddlewaretoken", csrf), ("action", "submit")]
    fields += [("topics", t) for t in re.findall(r'name="topics" value="(\d+)"', html)]
    names = sorted(set(re.findall(r'type="radio" class="btn-check" name="(t\d+-\w+)"', html)))
    fields += [(name, str(1 + i % 5)) for i, name in enumerate(names)]
    r.body = urllib.parse.urlencode(fields)
    return response.status == 200


def submit(conn: http.client.HTTPConnection, r: Respondent) -> bool:
    conn.request("POST", f"/r/{r.token}/questions/", body=r.body, headers={
        "Host": "127.0.0.1", "Content-Type": "application/x-www-form-urlencoded", "Cookie": r.cookie_header(),
        "Referer": f"http://127.0.0.1/r/{r.token}/questions/",
    })
    response = conn.getresponse()
    response.read()
    return response.status == 302 and response.headers["Location"].endswith("/thanks/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    slug, secrets = setup(args.responses)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "materiality.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
         "--backlog", "2048", "--log-level", "warning"], cwd=ROOT, env=os.environ.copy())
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/accounts/login/")
                break
            except OSError:
                time.sleep(0.1)
        respondents = [Respondent(s) for s in secrets]
        get_time, get_lat, get_errors = run_phase(args.port, respondents, args.concurrency, open_form)
        post_time, post_lat, post_errors = run_phase(args.port, respondents, args.concurrency, submit)
    finally:
        server.terminate()
        server.wait()

    from django.db.models import Count

    from surveys.models import Rating, Response

    responses = Response.objects.filter(assessment__slug=slug)
    submitted = responses.filter(status=Response.Status.SUBMITTED).count()
    per_response = set(Rating.objects.filter(response__assessment__slug=slug).values("response")
                       .annotate(n=Count("id")).values_list("n", flat=True))
    n = args.responses
    print(f"bench_submit: {n} respondents, {args.concurrency} concurrent, gunicorn {args.workers} sync workers, "
          f"PostgreSQL ({os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}), {os.cpu_count()} CPUs")
    print(f"open form (GET, 24 topics): {n / get_time:7.1f} pages/s   p50 {statistics.median(get_lat) * 1000:6.1f} ms   "
          f"p95 {percentile(get_lat, 95) * 1000:6.1f} ms   errors {get_errors}")
    print(f"submit (POST, full form):   {n / post_time:7.1f} responses/s   "
          f"p50 {statistics.median(post_lat) * 1000:6.1f} ms   "
          f"p95 {percentile(post_lat, 95) * 1000:6.1f} ms   errors {post_errors}")
    print(f"stored: {responses.count()} responses, {submitted} submitted, ratings per response {sorted(per_response)}")
    ok = responses.count() == n and submitted == n and per_response == {24}
    print("every response stored exactly once: " + ("yes" if ok else "NO"))
    target = n / post_time >= 200 and percentile(post_lat, 95) < 0.25
    print("target (>= 200 responses/s, p95 < 250 ms): " + ("reached" if target else "NOT reached"))


if __name__ == "__main__":
    main()
