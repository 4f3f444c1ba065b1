"""The kernels' cache folder follows their sources (a cached caller must not keep an
edited callee's old rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backstroke import jit


def _package(tmp_path: Path, rule: str) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "checks").mkdir(parents=True, exist_ok=True)
    (pkg / "caller.py").write_text("@numba_njit()\ndef tick(K):\n    return rule(K)\n")
    (pkg / "checks" / "rule.py").write_text(f"@numba_njit()\ndef rule(K):\n    {rule}\n")
    (pkg / "notes.py").write_text("x = 1\n")
    return pkg


def test_the_digest_changes_with_any_kernel_file_and_only_with_them(tmp_path: Path) -> None:
    pkg = _package(tmp_path, "return K[0]")
    a = jit.kernel_digest.__wrapped__(pkg)
    (pkg / "notes.py").write_text("x = 2\n")  # no kernel in it
    assert jit.kernel_digest.__wrapped__(pkg) == a
    _package(tmp_path, "return K[1]")  # the callee's rule, not the caller's file
    b = jit.kernel_digest.__wrapped__(pkg)
    assert b != a and len(b) == 12


def test_the_cache_goes_under_the_users_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    jit.set_numba_cache_dir()
    first = Path(jit.os.environ["NUMBA_CACHE_DIR"])
    assert first.parent == tmp_path / "mine"
    assert first.name == jit.PREFIX + jit.kernel_digest() and first.is_dir()
    jit.set_numba_cache_dir()  # again, or in a child process that inherited it
    assert Path(jit.os.environ["NUMBA_CACHE_DIR"]) == first


def test_without_a_users_folder_it_goes_under_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    jit.set_numba_cache_dir()
    got = Path(jit.os.environ["NUMBA_CACHE_DIR"])
    assert got.parent == tmp_path / "backstroke" / "numba"
    assert got.name == jit.PREFIX + jit.kernel_digest() and got.is_dir()
