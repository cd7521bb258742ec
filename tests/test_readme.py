"""The README teaches by running: its Python example must work as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_a_python_example():
    assert len(python_blocks()) >= 1


def test_readme_python_example_runs(capsys):
    for block in python_blocks():
        namespace: dict = {}
        exec(compile(block, str(README), "exec"), namespace)
        run = namespace["run"]
        assert len(run.series) == 27  # steps=26 plus the starting row
        assert namespace["opinions"].shape == (run.final.n, 2)
    assert "group_members" in capsys.readouterr().out


def test_quick_start_is_two_commands():
    section = README.read_text().split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./bin/lever weigh", "./bin/test"]
    assert "./bin/test" in (README.parent / ".ci" / "run").read_text()


def test_field_of_your_own_lists_the_schema_top_level_fields():
    from lever.model.explain import top_level_list

    section = README.read_text().split("### A field of your own", 1)[1].split("### From Python", 1)[0]
    block = section.split("<!-- fields -->\n", 1)[1].split("<!-- /fields -->", 1)[0]
    assert block == top_level_list()


def test_readme_weigh_module_is_reachable_after_import_lever():
    import lever

    assert callable(lever.weigh.weigh) and lever.weigh.WeighSettings


def test_readme_duckdb_query_runs_over_the_store(tmp_path, monkeypatch):
    """The SQL example, as written, over a store that a small exploration filled."""
    import duckdb
    from fields import tiny
    from typer.testing import CliRunner

    from lever.cli.main import app
    from lever.model.loading import to_toml

    [query] = re.findall(r"```sql\n(.*?)```", README.read_text(), flags=re.S)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.toml").write_text(to_toml(tiny()))
    args = ["explore", "tiny.toml", "--samples", "4", "--steps", "2", "--strategies", "outside,enter_ilp_faction",
            "--jobs", "1", "--store", "lever-out/store"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    rows = duckdb.sql(query).fetchall()
    [experiment] = {r[0] for r in rows}
    assert experiment.startswith(f"{tiny().name}-explore-") and (tmp_path / "lever-out/store" / experiment).is_dir()
    assert sorted(r[1] for r in rows) == ["enter_ilp_faction", "outside"]
    assert [r[2] for r in rows] == [4, 4]
