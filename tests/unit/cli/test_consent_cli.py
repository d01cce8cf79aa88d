"""``tessera consent templates | show``: every template and export form; bad input in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.consent.cawg import from_cawg
from app.core.consent.odrl import from_odrl
from app.core.consent.summary import summarize
from app.core.consent.templates import TEMPLATES, load_terms

PROJECT = Path(__file__).resolve().parents[3]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_templates_lists_every_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "consent", "templates")
    assert code == 0
    for name, template in TEMPLATES.items():
        assert name in out
        assert template.title in out
    code, out, _ = run(capsys, "--json", "consent", "templates")
    listed = json.loads(out)
    assert [t["name"] for t in listed] == list(TEMPLATES)
    first = listed[0]
    assert first["sha256"] == TEMPLATES[first["name"]].terms.digest()
    assert first["summary"] == summarize(TEMPLATES[first["name"]].terms)


def test_show_summary_is_what_gets_signed(capsys: pytest.CaptureFixture[str]) -> None:
    terms = load_terms("no-ai-training")
    code, out, _ = run(capsys, "consent", "show", "no-ai-training")
    assert code == 0
    assert out.splitlines()[0] == f"Consent terms (no-ai-training), sha256 {terms.digest()}"
    assert [line.removeprefix("  - ") for line in out.splitlines()[1:]] == summarize(terms)
    code, out, _ = run(capsys, "--json", "consent", "show", "no-ai-training")
    body = json.loads(out)
    assert body["template"] == "no-ai-training"
    assert body["terms"] == terms.to_json()


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_exports_round_trip_through_show(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    terms = TEMPLATES[name].terms
    _, odrl, _ = run(capsys, "consent", "show", name, "--format", "odrl")
    assert from_odrl(json.loads(odrl)) == terms
    _, cawg, _ = run(capsys, "consent", "show", name, "--format", "cawg")
    assert from_cawg(json.loads(cawg)).uses == terms.uses
    _, own, _ = run(capsys, "consent", "show", name, "--format", "terms")
    assert json.loads(own) == terms.to_json()
    # The exported files are themselves inputs to show.
    for form, text in (("odrl", odrl), ("terms", own)):
        path = tmp_path / f"{form}.json"
        path.write_text(text)
        code, out, _ = run(capsys, "--json", "consent", "show", str(path))
        assert code == 0
        assert json.loads(out)["sha256"] == terms.digest()


def test_iptc_and_record(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "consent", "show", "commercial-attribution", "--format", "iptc")
    assert json.loads(out) == {"plus:DataMining": "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED"}
    did = "did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"
    _, out, _ = run(
        capsys, "consent", "show", "open-research", "--format", "record", "--principal", did
    )
    record = json.loads(out)
    assert record["pii_principal_id"] == did
    assert record["notice"]["terms_sha256"] == load_terms("open-research").digest()
    assert record["state"] == "given"


def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "consent", "show", "no-such-template")
    assert code == 1
    assert out == ""
    assert err.startswith("tessera: error: no consent template or file named 'no-such-template'")
    assert len(err.strip().splitlines()) == 1
    broken = tmp_path / "broken.json"
    broken.write_text('{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set"}')
    code, _, err = run(capsys, "consent", "show", str(broken))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "tessera: error: " in err
    broken.write_text("{not json")
    code, _, err = run(capsys, "consent", "show", str(broken))
    assert code == 1
    assert "not valid JSON" in err


def test_the_real_program_runs_it_without_qt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env["TESSERA_FORBID_HOME"] = "1"
    code = (
        "import sys; from app.cli.main import main; rc = main(sys.argv[1:]); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'; "
        "raise SystemExit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path), "consent", "show", "custom"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No use of your data is allowed." in result.stdout
