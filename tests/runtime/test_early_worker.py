"""The worker the window starts early talks to the same servers the runtime starts."""

from __future__ import annotations

from urllib.parse import quote_plus

from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
from studyteddy_desktop.runtime.early_worker import _BUNDLED_DATABASE
from studyteddy_desktop.runtime.paths import DataPaths


def test_the_early_database_url_is_the_bundled_one(tmp_path):
    paths = DataPaths(tmp_path / "Mes données ✎" / "x y")
    early = _BUNDLED_DATABASE.format(host=quote_plus(str(paths.postgres_socket_dir)))
    assert early == BundledPostgres(paths).url.render_as_string(hide_password=False)


def test_the_url_text_spells_the_url_without_sqlalchemy(tmp_path):
    postgres = BundledPostgres(DataPaths(tmp_path / "Mes données ✎" / "x y"))
    assert postgres.url_text == postgres.url.render_as_string(hide_password=False)
