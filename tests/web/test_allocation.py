"""The allocation through the job queue gives exactly what ``samen allocate`` gives, and the
published zip passes ``samen verify``."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from typer.testing import CliRunner

from samen.cli import app
from samen.engine.allocate import allocate
from samen.io.results import render_results
from samen.io.round import read_round
from samen.web.core import jobs
from samen.web.core.models import AllocationRun, AuditEntry, Job, Round

from .conftest import EXAMPLE


def upload_example(client, folder: Path = EXAMPLE):
    files = [
        SimpleUploadedFile(p.name, p.read_bytes())
        for p in sorted(folder.iterdir())
        if p.suffix in (".csv", ".toml")
    ]
    return client.post("/office/rounds/import/", {"files": files})


def test_job_queue_allocation_matches_cli(office_client, tmp_path):
    r = upload_example(office_client)
    assert r.status_code == 302
    rnd = Round.objects.get()
    assert rnd.children.count() == 800
    slug = rnd.slug
    # the import keeps no seed: the office publishes the fingerprint of a new one (never the
    # seed of round.toml) and holds the draw
    assert rnd.status == Round.DRAFT and rnd.seed == "" and rnd.seed_commitment == ""
    imported = read_round(EXAMPLE).instance.seed
    r = office_client.post(f"/office/rounds/{slug}/seed/commit/", {"seed": imported})
    assert r.status_code == 409
    seed = "Mechelen 2027 - the draw in the town hall, 7 13 21 42"
    r = office_client.post(f"/office/rounds/{slug}/seed/commit/", {"seed": seed})
    assert r.status_code == 302
    for action in ("open", "close"):
        r = office_client.post(f"/office/rounds/{slug}/status/", {"action": action})
        assert r.status_code == 302
    r = office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": seed})
    assert r.status_code == 302
    r = office_client.post(f"/office/rounds/{slug}/allocate/", {"kind": "allocate"})
    assert r.status_code == 302
    job = Job.objects.get()
    assert job.status == Job.QUEUED
    assert office_client.get(r["Location"]).status_code == 200
    assert jobs.work(once=True) == 1
    job.refresh_from_db()
    assert job.status == Job.DONE, job.error
    run = AllocationRun.objects.get(pk=job.result["run"])
    rnd.refresh_from_db()
    assert run.seed_commitment == rnd.seed_commitment == job.result["seed_commitment"]

    # `samen allocate` on the folder with the seed of the draw gives the same results
    cli = tmp_path / "cli"
    cli.mkdir()
    for p in EXAMPLE.iterdir():
        if p.suffix in (".csv", ".toml"):
            (cli / p.name).write_bytes(p.read_bytes())
    toml = (cli / "round.toml").read_text()
    (cli / "round.toml").write_text(toml.replace(f'seed = "{imported}"', f'seed = "{seed}"'))
    folder = read_round(cli)
    assert folder.instance.seed == seed
    expected = render_results(folder, allocate(folder.instance))
    for name in ("assignments.csv", "cutoffs.csv", "groups.csv", "waitlists.csv"):
        assert run.result_files[name].encode() == expected[name], name

    # the dashboard, then the published zip passes `samen verify`
    page = office_client.get(f"/office/runs/{run.pk}/")
    assert page.status_code == 200
    first = json.loads(expected["summary.json"])["first_choice"]["count"]
    assert f"<dd>{first} (" in page.content.decode()
    zipped = office_client.get(f"/office/runs/{run.pk}/download.zip")
    published = tmp_path / "published"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        zf.extractall(published)
    out = CliRunner().invoke(app, ["verify", str(published)])
    assert out.exit_code == 0, out.output
    assert "identical" in out.output
    # the published folder has no names and no coordinates of children
    applicants = (published / "applicants.csv").read_text()
    assert applicants.splitlines()[0] == "applicant_id,choices,indicator,disability,family,pledge"
    assert AuditEntry.objects.filter(action="job.enqueue.allocate").exists()
    assert AuditEntry.objects.filter(action="job.done").exists()
