"""The example deployment files in deploy/ are valid for the tools that will read them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def _localise(text: str) -> str:
    """Point the units at this checkout instead of /srv/comcep so executables exist."""
    return text.replace("/srv/comcep/.venv", str(ROOT / ".venv")).replace("/srv/comcep/deploy", str(DEPLOY))


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    names = []
    for unit in UNITS:
        (tmp_path / unit.name).write_text(_localise(unit.read_text()))
        names.append(unit.name)
    # Timers point at instances of the template unit: verify those instances too.
    instances = [f"comcep-cron@{job}.service" for job in
                 ("publish", "digest-daily", "digest-weekly", "mail-retry", "event-reminders", "purge",
                  "animation-summary", "requeue-tasks")]
    targets = [str(tmp_path / n) for n in names if "@." not in n] + [str(tmp_path / i) for i in instances]
    result = subprocess.run(
        ["systemd-analyze", "verify", *targets], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    problems = [line for line in result.stderr.splitlines() if "comcep" in line]
    assert result.returncode == 0, result.stderr
    assert problems == [], problems


def test_every_timer_job_is_known_to_run_job():
    run_job = (DEPLOY / "run-job").read_text()
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        job = next(line.split("@", 1)[1].removesuffix(".service") for line in timer.read_text().splitlines()
                   if line.startswith("Unit="))
        assert f"  {job})" in run_job, f"{timer.name} runs unknown job {job!r}"


def test_every_command_of_run_job_exists():
    # A scheduled job whose command is missing (renamed, or its app removed) fails at 4 a.m. with nobody
    # watching: the weekly purge would stop pruning notifications, the search log and the finished tasks.
    from django.core.management import get_commands

    used = set(re.findall(r"manage\.py ([a-z_]+)", (DEPLOY / "run-job").read_text()))
    assert {"purge_notifications", "purge_search_log", "prune_db_task_results", "clearsessions"} <= used
    assert used - set(get_commands()) == set()


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)")
def test_nginx_site_passes_nginx_t(tmp_path):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "comcep.example.fr")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    site = (DEPLOY / "nginx" / "comcep.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/comcep.example.fr/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/comcep.example.fr/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path};\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_env_example_names_the_required_production_variables():
    names = {line.split("=", 1)[0] for line in (DEPLOY / "comcep.env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL", "EMAIL_URL"} <= names


def test_env_example_reads_the_same_through_systemd_and_a_shell(tmp_path):
    """docs/deployment.md runs manage.py with `set -a; . /etc/comcep/comcep.env`, the units read it with
    EnvironmentFile=: an unquoted "Comcep <no-reply@…>" was a shell redirection (the shell stopped there)."""
    example = DEPLOY / "comcep.env.example"
    systemd = {}
    for line in example.read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            if len(value) >= 2 and value[0] == value[-1] == '"':  # systemd strips the quotes
                value = value[1:-1]
            systemd[name] = value
    result = subprocess.run(["sh", "-c", f'set -a; . "{example}"; set +a; env -0'], capture_output=True,
                            timeout=30, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr.decode()
    shell = dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    assert {name: shell.get(name) for name in systemd} == systemd
    assert systemd["DEFAULT_FROM_EMAIL"] == "Comcep <no-reply@comcep.example.fr>"
    assert not list(tmp_path.iterdir())  # no file written by a stray redirection


def test_the_animation_summary_runs_weekly_through_its_command():
    timer = (DEPLOY / "systemd" / "comcep-animation-summary.timer").read_text()
    assert "OnCalendar=Mon *-*-* 08:00:00 Europe/Paris" in timer
    assert "Unit=comcep-cron@animation-summary.service" in timer
    assert "animation-summary) exec $PY manage.py send_animation_summary ;;" in (DEPLOY / "run-job").read_text()


def test_gunicorn_workers_write_their_buffered_view_counts_on_exit():
    import runpy

    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert callable(config["worker_exit"])


def test_the_task_queue_recovery_runs_every_10_minutes_and_at_the_worker_start():
    # requeue_stale_tasks: tasks whose worker died, then the apps' recoveries (comcep.core.recovery: forum posts
    # left waiting for their announcement by a failed task). At the worker's start it must not keep the worker
    # from starting ("-"): the timer runs it again and shows its failure.
    timer = (DEPLOY / "systemd" / "comcep-requeue-tasks.timer").read_text()
    assert "OnCalendar=*:5/10" in timer and "Unit=comcep-cron@requeue-tasks.service" in timer
    run_job = (DEPLOY / "run-job").read_text()
    assert "requeue-tasks)  exec $PY manage.py requeue_stale_tasks --older-than 30 ;;" in run_job
    worker = (DEPLOY / "systemd" / "comcep-worker.service").read_text()
    assert "ExecStartPre=-/srv/comcep/.venv/bin/python manage.py requeue_stale_tasks --older-than 30" in worker
