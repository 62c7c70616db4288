"""Bench: 10,000 invitations created and e-mailed through Celery (real worker, Redis) to a local SMTP sink.

Prints figures; not a test. Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dma_surveys REDIS_URL=redis://127.0.0.1:6379/2 \
        .venv/bin/python bench/bench_invitations.py [--invitations 10000]
Starts an aiosmtpd sink on --smtp-port and a Celery worker subprocess; the clock runs from the call that creates
the invitations until every one of them is marked sent (or failed) and the sink has received the messages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _history  # noqa: E402

if __name__ == "__main__" and _history.orchestrate(__file__, _history.CUSTOMER_SIZE):
    sys.exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--smtp-port", type=int, default=8125)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dma_surveys")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{args.smtp_port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "materiality.settings"

    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            Sink.received += 1
            return "250 OK"

    smtp = Controller(Sink(), hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from materiality import services as library_services
    from materiality.models import IssueLibrary
    from stakeholders.models import Stakeholder, StakeholderGroup
    from surveys import services
    from surveys.models import Invitation

    library_services.load_library("calb-2024")
    slug = f"bench-inv-{int(time.time())}"
    group = StakeholderGroup.objects.get(code="suppliers")
    assessment = services.create_assessment(slug=slug, name=slug, library=IssueLibrary.objects.get(year=2024),
                                            weights={group: 1.0})
    Stakeholder.objects.filter(email__startswith="bench-inv-").delete()  # contacts of earlier runs
    Stakeholder.objects.bulk_create(
        (Stakeholder(name=f"Supplier {i}", email=f"{slug}-{i}@example.org", group=group,
                     language="zh-hans" if i % 2 else "en") for i in range(args.invitations)), batch_size=2000)

    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "materiality", "worker", "--concurrency", str(args.concurrency),
         "--loglevel", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"{slug}@%h"],
        cwd=ROOT, env=os.environ.copy())
    try:
        time.sleep(4)  # let the worker connect before the clock starts
        started = time.perf_counter()
        summary = services.invite_contacts(assessment)
        queued_at = time.perf_counter() - started
        invitations = Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=False)
        while True:
            pending = invitations.filter(status=Invitation.Status.CREATED).count()
            if pending == 0 or time.perf_counter() - started > 600:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait()
        smtp.stop()
    sent = invitations.filter(status=Invitation.Status.SENT).count()
    failed = invitations.filter(status=Invitation.Status.FAILED).count()
    print(f"bench_invitations: {summary.created} invitations created, {len(summary.batches)} batches of "
          f"<= 100, worker concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    print(f"created and queued in {queued_at:.1f} s; all sent in {elapsed:.1f} s "
          f"({summary.created / elapsed:.0f} e-mails/s)")
    print(f"status: {sent} sent, {failed} failed, {pending} still created; SMTP sink received {Sink.received}")
    print("target (< 60 s): " + ("reached" if elapsed < 60 and sent == args.invitations else "NOT reached"))
    _history.figure("created and queued", queued_at)
    _history.figure("all sent", elapsed)


if __name__ == "__main__":
    main()
