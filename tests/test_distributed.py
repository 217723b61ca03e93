"""ruleie on a real Dask cluster (LocalCluster with worker processes on loopback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed", reason="Dask is an optional extra: pip install 'ruleie[dask]'")
import dask.bag as db  # noqa: E402

import ruleie  # noqa: E402
from ruleie.cli import main  # noqa: E402
from ruleie.scale.distributed import extract_bag, extract_dataframe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "engine" / "mini.yaml"
DOCS = ROOT / "tests" / "fixtures" / "engine" / "docs.jsonl"


@pytest.fixture(scope="module")
def cluster():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, host="127.0.0.1"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def documents() -> list[dict]:
    base = [json.loads(line) for line in DOCS.read_text(encoding="utf-8").splitlines()]
    # Enough documents for several partitions on both workers.
    return [{"id": f"{d['id']}-{i}", "text": d["text"]} for i in range(20) for d in base]


def local_records(rules: ruleie.RuleSet, docs: list[dict]) -> list[dict]:
    return [r.to_dict() for d in docs for r in rules.extract(d["text"], doc_id=d["id"])]


def test_extract_bag_gives_the_records_of_a_local_run(cluster):
    rules = ruleie.load_rules(MINI)
    docs = documents()
    bag = db.from_sequence(docs, npartitions=6)
    assert extract_bag(rules, bag).compute() == local_records(rules, docs)


def test_extract_dataframe(cluster):
    pd = pytest.importorskip("pandas", reason="pandas comes with the dask extra (dask[dataframe]): pip install 'ruleie[dask]'")
    import dask.dataframe as dd

    rules = ruleie.load_rules(MINI)
    docs = documents()
    frame = dd.from_pandas(pd.DataFrame(docs), npartitions=4)
    result = extract_dataframe(rules, frame).compute()
    expected = local_records(rules, docs)
    assert list(result["doc"]) == [r["doc"] for r in expected]
    assert [json.loads(f) for f in result["fields"]] == [r["fields"] for r in expected]


def test_ruleie_run_dask_writes_exactly_what_a_local_run_writes(cluster, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in documents()), encoding="utf-8")
    outputs = []
    for extra in ([], ["--dask", cluster.scheduler.address]):
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", "--rules", str(MINI), "--no-progress", *extra, str(path)], out, err)
        assert code == 0, err.getvalue()
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and outputs[0]
