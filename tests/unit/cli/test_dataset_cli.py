"""``tessera dataset ...`` end to end, run in-process against a real vault."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths
from app.cli.main import main


@pytest.fixture
def tessera(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[object]:
    profile = tmp_path / "profile"
    monkeypatch.setenv("TESSERA_PASSPHRASE", "pw")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        code = main(["--data-dir", str(profile), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--passphrase")[0] == 0
    assert run("identity", "create", "me")[0] == 0
    try:
        yield run
    finally:
        paths.set_data_dir(None)


def test_prepare_list_show_export_prove_verify(tessera: object, tmp_path: Path) -> None:
    run = tessera  # type: ignore[assignment]
    source = tmp_path / "notes.jsonl"
    lines = [
        {"text": "write to ann@example.com"},
        {"text": "write to ann@example.com"},
        {"text": "plain"},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in lines) + "not json\n")

    code, out, err = run("dataset", "prepare", str(source), "--name", "Notes")  # type: ignore[operator]
    assert code == 1
    assert "notes.jsonl, line 4" in err

    code, out, err = run(  # type: ignore[operator]
        "--json",
        "dataset",
        "prepare",
        str(source),
        "--name",
        "Notes",
        "--skip-bad-records",
        "--pii",
        "pseudonymize",
        "--license",
        "CC0-1.0",
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["records"] == 2
    assert body["duplicates_removed"] == 1
    assert body["pii"] == {"email": 1}  # the duplicate's address is not in the package
    assert len(body["commitment"]) == 64
    assert body["rejections"][0]["line"] == 4
    dataset_id = body["id"]

    code, out, _ = run("--json", "dataset", "list")  # type: ignore[operator]
    assert [d["id"] for d in json.loads(out)] == [dataset_id]
    code, out, _ = run("dataset", "show", dataset_id[:8])  # type: ignore[operator]
    assert code == 0
    assert "Notes" in out
    assert body["commitment"] in out
    code, out, _ = run("--json", "dataset", "show", dataset_id, "--card")  # type: ignore[operator]
    assert json.loads(out)["license"] == "https://spdx.org/licenses/CC0-1.0.html"

    exported = tmp_path / "export.jsonl"
    code, _, err = run("dataset", "export", dataset_id, "-o", str(exported))  # type: ignore[operator]
    assert code == 1
    assert "--yes" in err
    assert not exported.exists()
    code, _, err = run("dataset", "export", dataset_id, "-o", str(exported), "--yes")  # type: ignore[operator]
    assert code == 0, err
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert records[0]["text"].startswith("write to [EMAIL:")
    assert records[1] == {"text": "plain"}
    code, out, err = run("dataset", "export", dataset_id, "-o", "-", "--yes")  # type: ignore[operator]
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == records  # the records alone
    assert "3 records to standard output" not in out
    assert "to standard output (not encrypted)" in err
    assert not Path("-").exists()

    proof = tmp_path / "proof.json"
    code, _, err = run("dataset", "prove", dataset_id, "--record", "1", "-o", str(proof))  # type: ignore[operator]
    assert code == 0, err
    code, out, _ = run("--json", "dataset", "verify-proof", str(proof))  # type: ignore[operator]
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "root": body["commitment"],
        "index": 1,
        "tree_size": 2,
    }
    document = json.loads(proof.read_text())
    document["index"] = 0
    code, out, err = run("dataset", "verify-proof", "-", stdin=json.dumps(document))  # type: ignore[operator]
    assert code == 1
    assert "not valid" in err

    code, _, err = run("dataset", "prove", dataset_id, "--record", "5")  # type: ignore[operator]
    assert code == 1
    assert "has 2 records" in err
    code, _, err = run("dataset", "show", "nope")  # type: ignore[operator]
    assert code == 1
    assert "no dataset" in err


def test_rejected_line_is_described_once(tessera: object, tmp_path: Path) -> None:
    run = tessera  # type: ignore[assignment]
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "fine"}\n{bad\n{"text": "also fine"}\n')
    code, out, err = run(  # type: ignore[operator]
        "dataset", "prepare", str(source), "--name", "Bad", "--skip-bad-records"
    )
    assert code == 0, err
    rejected = [line.strip() for line in out.splitlines() if "bad.jsonl, line 2" in line]
    assert len(rejected) == 1
    assert rejected[0].count("not valid JSON") == 1
    assert rejected[0].endswith("(column 2)")


def test_the_cli_offers_exactly_the_formats_and_actions_the_core_knows() -> None:
    """The CLI spells its choices out (a light start-up); they must not drift from the core."""
    from app.cli.commands import dataset as dataset_cli
    from app.core.datasets.importers.options import FORMATS
    from app.core.datasets.pii.redact import Action

    assert dataset_cli.FORMAT_CHOICES == FORMATS
    assert tuple(action.value for action in Action) == dataset_cli.PII_ACTIONS


def test_json_and_debug_are_taken_after_the_command_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "vault", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exists"] is False
    with pytest.raises(SystemExit) as raised:
        main(["--data-dir", str(tmp_path), "vault", "status", "--jsn"])
    assert raised.value.code == 2
