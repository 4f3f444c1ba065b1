"""``--client NAME`` finds a bundled client, like ``--routine NAME`` finds a preset."""

from __future__ import annotations

import pytest

from backstroke.body.client_file import bundled_clients, client_file_path, load_client
from backstroke.errors import ClientError


def test_every_bundled_client_loads_by_name() -> None:
    names = bundled_clients()
    assert {"default", "guarded", "tight", "stubborn", "tall", "petite", "kyphotic"} <= set(names)
    for name in names:
        assert load_client(name).name == load_client(client_file_path(name)).name


def test_an_unknown_name_lists_the_bundled_clients() -> None:
    with pytest.raises(ClientError) as e:
        load_client("nobody")
    line = str(e.value)
    assert "nobody" in line and "guarded" in line and "\n" not in line


def test_a_file_of_that_name_wins(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "guarded").write_text('name = "mine"\nseed = 3\n')
    monkeypatch.chdir(tmp_path)
    assert load_client("guarded").name == "mine"
