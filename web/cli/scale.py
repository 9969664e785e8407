"""`peiban demo --scale FAMILIES`: years of a programme at scale, then the views, the departures and the seal caught
up, so that `peiban serve` starts on it at once."""

from __future__ import annotations

import functools

import click

from projections.departures import departure_policy
from projections.read_models import ReadModels
from web.demo.scale import ScaleSummary, generate_programme
from web.demo.story import DemoStoreNotEmpty
from web.infra.stores import open_application, open_seal
from web.progress import Progress
from web.settings import Settings
from web.settings.seal_keys import create_key


def load_scale(settings: Settings, families: int, years: float, seed: int = 7) -> ScaleSummary:
    """Generate ``families`` families over ``years`` years into an empty store, and settle everything that
    follows the log (views rebuilt, departures ended, facts sealed), each with a progress bar."""
    create_key(settings.seal_key_path())
    app = open_application(settings)
    try:
        if app.log_position():
            raise click.ClickException(str(DemoStoreNotEmpty(app.log_position())))
        with Progress("生成家庭 / Generating families", unit="个家庭 families") as progress:
            summary = generate_programme(app, families=families, years=years, seed=seed, progress=progress)
        models = ReadModels(app, settings.store, batch_size=2000)
        with Progress("重建视图 / Rebuilding views") as progress:
            models.rebuild(None, progress, open_log=functools.partial(open_application, settings))
        models.close()
        departures = departure_policy(app, settings.store, batch_size=2000)
        departures.catch_up()
        departures.db.close()
        seal = open_seal(settings, app)
        with Progress("封存 / Sealing") as progress:
            seal.catch_up(progress)
        seal.db.close()
    finally:
        app.close()
    return summary


def tell(summary: ScaleSummary) -> None:
    """What was generated, in both languages, with the count of each kind of fact."""
    click.echo(
        f"已生成 / generated: {summary.cohorts} 期义工 cohorts, {summary.volunteers} 名义工 volunteers, "
        f"{summary.families} 个家庭 families, {summary.facts} 条事实 facts"
    )
    click.echo("  " + ", ".join(f"{kind} {count}" for kind, count in summary.kinds.items()))
