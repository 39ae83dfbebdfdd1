from django_tasks import task


@task()
def send_animation_summary_task() -> dict:
    """The weekly summary to moderators (idempotent per ISO week: see summary.py)."""
    from .summary import send_weekly_summary

    report = send_weekly_summary()
    return {"week": report.week, "sent": report.sent, "already_sent": report.already_sent,
            "opted_out": report.opted_out, "failed": len(report.failed)}


@task()
def flush_view_counts_task() -> int:
    from .counters import flush

    return flush()
