"""Bench: gunicorn CPU per whole respondent, ours against django-survey-and-report, in one interleaved run (issue 16.6).

    .venv/bin/python bench/bench_peer.py [--rounds 2] [--peer-n 400] [--dma-n 2000] [--port 8107]
        [--peer-bench ../shared/peer-bench] [--scratch /tmp/peer-bench] [--database dma_pages_load]
        [--peer-database peer_bench]
    .venv/bin/python bench/bench_peer.py --summarize-only       # the table from the scratch folder's results

The load generator and the peer's venv and database are ../shared/peer-bench's (its README sets them up once; the
peer is never installed into this project). This script sets up our side in production mode (an env file, a
migrated database with the 2024 library, assessment `perf`, the customers' open link), then alternates peer and
ours `--rounds` times through run_bench.sh (50 concurrent, sync workers: 4 for the peer, 3 for ours, as the README
compares them) and prints, per run, gunicorn CPU ms per respondent (gunicorn cores x wall / respondents, GET +
POST), SQL statements per respondent, the form page's bytes, and the ratio peer / ours of the same round.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS, TARGET_BYTES = 10.0, 40_000


def env_file(scratch: Path, database: str) -> Path:
    path = scratch / "dma.env"
    path.write_text("".join(f"export {k}={v}\n" for k, v in {
        "DEBUG": "False", "SECRET_KEY": "peer-bench-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False", "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "EMAIL_URL": "consolemail://", "STATIC_ROOT": str(scratch / "static")}.items()))
    return path


def set_up_ours(scratch: Path, database: str) -> tuple[Path, str]:
    """A production-mode database holding assessment `perf`; return the env file and the open link's secret."""
    path = env_file(scratch, database)
    env = {**os.environ, **dict(line[7:].split("=", 1) for line in path.read_text().splitlines())}
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{database}"'], env=env,
                   capture_output=True)  # already there on a rerun: fine

    def manage(*args: str) -> str:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout

    manage("migrate", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("load_library", "calb-2024")
    if "perf" not in manage("shell", "-c", "from materiality.models import Assessment; "
                                            "print(list(Assessment.objects.values_list('slug', flat=True)))"):
        manage("create_assessment", "perf", "--library-year", "2024")
    link = manage("open_link", "perf", "--group", "customers").strip().splitlines()[-1]
    return path, link.rstrip("/").rsplit("/", 1)[-1]


def run_round(k: int, args: argparse.Namespace, env_path: Path, token: str, database: str) -> None:
    common = {**os.environ, "PEER_SCRATCH": str(args.scratch), "PORT": str(args.port),
              "PEER_DB_NAME": args.peer_database}
    peer_dsn = f"postgresql://postgres@127.0.0.1:5432/{args.peer_database}"
    print(f"round {k}: peer, load average {os.getloadavg()[0]:.2f}", flush=True)
    subprocess.run(["./run_bench.sh", f"peer-c50-{k}", str(args.peer_n), "50", "sync", "4", "1", "1"],
                   cwd=args.peer_bench, env={**common, "SCENARIO_OPTS": f"--opt dsn={peer_dsn}"}, check=True)
    print(f"round {k}: ours, load average {os.getloadavg()[0]:.2f}", flush=True)
    dsn = f"postgresql://postgres@127.0.0.1:5432/{database}"
    subprocess.run(["./run_bench.sh", f"dma-c50-{k}", str(args.dma_n), "50", "sync", "3", "1", "1"],
                   cwd=args.peer_bench, check=True, env={
                       **common, "APP": "dma", "DMA_ROOT": str(ROOT), "DMA_ENV": str(env_path),
                       "SCENARIO_OPTS": f"--opt token={token} --opt slug=perf --opt dsn={dsn}"})


def per_respondent(path: str) -> dict[str, float]:
    """Gunicorn CPU ms and SQL statements (commits + tuples are the load generator's; statements its counter)."""
    s = json.load(open(path))
    n = s["n_attempted"] or 1
    counters = s.get("server_counters", {})
    return {"ms": 1000 * (s["cpu"].get("gunicorn_cores") or 0) * s["wall_s"] / n, "ok": s["n_success"], "n": n,
            "rps": s["responses_per_s"], "once": s["verification"]["stored_exactly_once"],
            "commits": (counters.get("pg_xact_commit") or {}).get("per_successful_respondent"),
            "wal_syncs": (counters.get("pg_cluster_wal_sync") or {}).get("per_successful_respondent")}


def summarize(scratch: Path, form_bytes: int | None) -> None:
    rounds = sorted({Path(p).stem.split("-")[2] for p in glob.glob(str(scratch / "results" / "*-c50-*-r1.json"))})
    print("| round | peer ms/respondent | ours ms/respondent | peer / ours | peer resp/s | ours resp/s "
          "| commits peer / ours | stored once |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in rounds:
        try:
            peer = per_respondent(str(scratch / "results" / f"peer-c50-{k}-r1.json"))
            ours = per_respondent(str(scratch / "results" / f"dma-c50-{k}-r1.json"))
        except FileNotFoundError:
            continue
        print(f"| {k} | {peer['ms']:.1f} | {ours['ms']:.1f} | {peer['ms'] / ours['ms']:.1f}x | {peer['rps']} "
              f"| {ours['rps']} | {peer['commits']} / {ours['commits']} | {peer['once'] and ours['once']} |")
        print(f"  ours {'met' if ours['ms'] <= TARGET_MS else 'MISSED'} the {TARGET_MS:g} ms target; "
              f"peer / ours {'met' if peer['ms'] >= 20 * ours['ms'] else 'missed'} 20x")
    if form_bytes is not None:
        print(f"form page: {form_bytes:,} bytes before compression "
              f"({'met' if form_bytes <= TARGET_BYTES else 'MISSED'} the {TARGET_BYTES:,}-byte target)")


def form_bytes(port: int, token: str, env_path: Path) -> int:
    """The form page's size, from a short-lived gunicorn of ours (the runs above have stopped theirs)."""
    env = {**os.environ, **dict(line[7:].split("=", 1) for line in env_path.read_text().splitlines())}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "materiality.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/r/{token}/questions/") as page:
                    return len(page.read())
            except OSError:
                time.sleep(0.2)
        raise SystemExit("our gunicorn did not answer")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--peer-n", type=int, default=400)
    parser.add_argument("--dma-n", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--peer-bench", type=Path, default=ROOT.parent / "shared" / "peer-bench")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/peer-bench"))
    parser.add_argument("--database", default="dma_pages_load")
    parser.add_argument("--peer-database", default="peer_bench")
    parser.add_argument("--summarize-only", action="store_true")
    args = parser.parse_args()
    (args.scratch / "results").mkdir(parents=True, exist_ok=True)
    if args.summarize_only:
        summarize(args.scratch, None)
        return
    env_path, token = set_up_ours(args.scratch, args.database)
    for k in range(1, args.rounds + 1):
        run_round(k, args, env_path, token, args.database)
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    summarize(args.scratch, form_bytes(args.port, token, env_path))


if __name__ == "__main__":
    main()
