"""``casegrid assess`` and ``casegrid flows …`` (registered through the ``casegrid.cli`` entry point).

Every ``casegrid`` command loads this module, so Prefect (over a second to import) is imported
only inside the commands that run flows through it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from tqdm import tqdm

from engine.assessments import AssessmentService
from engine.assessments.export import file_stem, to_csv, to_xlsx
from engine.assessments.periods import KINDS
from engine.assessments.service import STEPS
from engine.cli_support import db_option, friendly_errors
from engine.config import DATABASE_URL_ENV, database_url
from workflows import steps, summary

SERVER_HELP = ("先启动 Prefect 服务：prefect server start --host 127.0.0.1 --analytics-off，"
               "再设置 PREFECT_API_URL=http://127.0.0.1:4200/api")


def _run_direct(service: AssessmentService, kind: str, period: str | None) -> int:
    """The flow's steps in this process, without Prefect; a progress bar when it takes over a second."""
    with tqdm(total=STEPS[kind], desc=f"assess {kind}", unit="step", delay=1.0, file=sys.stderr, leave=False) as bar:
        def progress(name: str) -> None:
            bar.set_postfix_str(name, refresh=False)
            bar.update(1)
        return service.assess(kind, period, triggered_by="cli", progress=progress)


def _run_through_prefect(kind: str, period: str | None, url: str) -> int:
    """The real flow: a flow run on the server at ``PREFECT_API_URL``, or on a temporary one (slow to start)."""
    if kind == "weekly":
        from workflows.weekly_dispatch import weekly_dispatch as flow
    elif kind == "monthly":
        from workflows.monthly_analysis import monthly_analysis as flow
    else:
        from workflows.quarterly_assessment import quarterly_assessment as flow
    return int(flow(period=period, db_url=url)["run_id"])


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--period", default=None, metavar="P",
              help="2026-W44, 2026-10 or 2026Q3 (default: this week; the month or quarter that just ended).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results to this Excel workbook.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write the results as CSV into this folder.")
@click.option("--prefect/--no-prefect", "through_prefect", default=None,
              help="Run as a Prefect flow run (default: only when PREFECT_API_URL names a server).")
@db_option
@friendly_errors
def assess(kind: str, period: str | None, xlsx_path: Path | None, csv_dir: Path | None,
           through_prefect: bool | None, db_url: str | None) -> None:
    """Run an assessment once (weekly dispatch, monthly analysis or quarterly KPIs), print it, store it."""
    url = database_url(db_url)
    service = AssessmentService(steps.database(url))
    if through_prefect is None:
        through_prefect = bool(os.environ.get("PREFECT_API_URL"))
    run_id = _run_through_prefect(kind, period, url) if through_prefect else _run_direct(service, kind, period)
    report = service.report(run_id)
    click.echo(summary.render(report))
    if xlsx_path is not None:
        xlsx_path.parent.mkdir(parents=True, exist_ok=True)
        xlsx_path.write_bytes(to_xlsx(report))
        click.echo(f"已写入 {xlsx_path}")
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        target = csv_dir / f"{file_stem(report)}.csv"
        target.write_bytes(to_csv(report))
        click.echo(f"已写入 {target}")


@click.group()
def flows() -> None:
    """The scheduled flows: SLA sweep every minute, weekly dispatch, monthly analysis, quarterly assessment."""


@flows.command("serve")
@db_option
@friendly_errors
def flows_serve(db_url: str | None) -> None:
    """Serve all four flows on their schedules against the Prefect server at PREFECT_API_URL."""
    if not os.environ.get("PREFECT_API_URL"):
        click.echo(f"错误：没有设置 PREFECT_API_URL。{SERVER_HELP}", err=True)
        sys.exit(1)
    url = database_url(db_url)
    os.environ[DATABASE_URL_ENV] = url  # the flow runs (subprocesses of this one) read it
    steps.database(url)  # migrate now, not in the first sweep
    from workflows.serve import PLANS, serve_all

    click.echo(f"casegrid flows → {os.environ['PREFECT_API_URL']}，数据库 {steps.safe_url(url)}")
    for plan in PLANS.values():
        click.echo(f"  {plan.flow_name:22} {plan.when}")
    click.echo("Ctrl+C 停止。")
    serve_all()


@flows.command("deploy")
@click.option("--pool", default="casegrid", show_default=True, help="Prefect work pool (created if missing).")
@db_option
@friendly_errors
def flows_deploy(pool: str, db_url: str | None) -> None:
    """Register the four flows as deployments on the Prefect server at PREFECT_API_URL, for a worker to run."""
    if not os.environ.get("PREFECT_API_URL"):
        click.echo(f"错误：没有设置 PREFECT_API_URL。{SERVER_HELP}", err=True)
        sys.exit(1)
    steps.database(db_url)  # migrate now: the worker's first run should not
    from workflows.serve import PLANS, deploy_all

    ids = deploy_all(pool)
    click.echo(f"已在 {os.environ['PREFECT_API_URL']} 的工作池 {pool} 注册 {len(ids)} 个部署：")
    for plan in PLANS.values():
        click.echo(f"  {plan.flow_name:22} {plan.when}")
    click.echo(f"再启动工作进程：CASEGRID_DATABASE_URL=… casegrid flows worker --pool {pool}"
               "（Web 进程用 casegrid serve --no-sweep）")


@flows.command("worker")
@click.option("--pool", default="casegrid", show_default=True, help="Prefect work pool to take flow runs from.")
@db_option
@friendly_errors
def flows_worker(pool: str, db_url: str | None) -> None:
    """Run a Prefect worker that starts the deployed flows' scheduled runs (against PREFECT_API_URL)."""
    if not os.environ.get("PREFECT_API_URL"):
        click.echo(f"错误：没有设置 PREFECT_API_URL。{SERVER_HELP}", err=True)
        sys.exit(1)
    url = database_url(db_url)
    os.environ[DATABASE_URL_ENV] = url  # the flow runs (subprocesses of the worker) read it
    steps.database(url)
    click.echo(f"casegrid worker → {os.environ['PREFECT_API_URL']}，工作池 {pool}，数据库 {steps.safe_url(url)}")
    os.execv(sys.executable, [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool,
                              "--type", "process"])


@flows.command("sweep")
@db_option
@friendly_errors
def flows_sweep(db_url: str | None) -> None:
    """Run the SLA sweep once without Prefect (for a plain cron job): fire due timers, send notifications."""
    report = steps.sweep_once(db_url)
    if report is None:
        click.echo("另一个进程正在执行定时清扫（持有清扫租约），本次未执行")
        return
    click.echo(f"fired {report.count('timers', 'timers')} timer(s) in {report.count('timers', 'cases')} case(s), "
               f"{report.count('timers', 'escalations')} escalation(s), {report.count('timers', 'failed')} failed "
               f"(incidents), {report.count('timers', 'skipped')} busy; "
               f"{sum(report.count('reminders', name) for name in report.stages.get('reminders', {}))} reminder(s); "
               f"sent {report.count('outbox', 'sent')} notification(s), {report.count('outbox', 'failed')} failed")
    for stage, error in report.errors.items():
        click.echo(f"错误：清扫阶段 {stage} 失败：{error}", err=True)
