"""The worker the window starts early talks to the same servers the runtime starts."""

from __future__ import annotations

from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres, bundled_database_url
from studyteddy_desktop.runtime.paths import DataPaths


def test_the_early_database_url_is_the_bundled_one(tmp_path):
    paths = DataPaths(tmp_path / "Mes données ✎" / "x y")
    early = bundled_database_url(paths)
    assert early == BundledPostgres(paths).url.render_as_string(hide_password=False)


def test_the_url_text_spells_the_url_without_sqlalchemy(tmp_path):
    postgres = BundledPostgres(DataPaths(tmp_path / "Mes données ✎" / "x y"))
    assert postgres.url_text == postgres.url.render_as_string(hide_password=False)
