"""Settings come from the environment: a quiet `check --deploy` in production, a self-contained demo otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={
        "DEBUG": "False", "SECRET_KEY": "x7Gq2-production-like-secret-key-with-plenty-of-entropy-81kd0",
        "ALLOWED_HOSTS": "esg.example.com", "DATABASE_URL": "postgres://u@127.0.0.1:5432/esg",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DEBUG": "False"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_unset_environment_means_sqlite_and_in_process_tasks():
    code = ("from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)")
    result = run_manage("shell", "-v", "0", "-c", code, env={})
    assert result.stdout.split() == [
        "django.db.backends.sqlite3", "True", "django.core.mail.backends.console.EmailBackend"
    ], result.stderr


def test_redis_url_switches_to_the_broker():
    code = "from materiality.celery import app; print(app.conf.broker_url, app.conf.task_always_eager)"
    result = run_manage("shell", "-v", "0", "-c", code, env={"REDIS_URL": "redis://127.0.0.1:6379/4"})
    assert result.stdout.split() == ["redis://127.0.0.1:6379/4", "False"], result.stderr


def test_production_keeps_the_log_in_throttle_the_policy_and_the_idle_limit():
    code = ("from django.conf import settings as s; "
            "print(s.AUTHENTICATION_BACKENDS[0], s.MIDDLEWARE[-1], s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'],"
            " s.STAFF_SESSION_IDLE_MINUTES, s.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'][0])")
    result = run_manage("shell", "-v", "0", "-c", code, env={
        "DEBUG": "False", "SECRET_KEY": "x7Gq2-production-like-secret-key-with-plenty-of-entropy-81kd0",
        "STAFF_SESSION_IDLE_MINUTES": "45",
    })
    assert result.stdout.split() == ["axes.backends.AxesStandaloneBackend", "axes.middleware.AxesMiddleware",
                                     "[\"'self'\"]", "45", "knox.auth.TokenAuthentication"], result.stderr
