"""The council report as a background job (kind ``report``): registered here, beside the code
it runs, as every job handler is (:func:`samen.web.core.jobs.handler`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from samen.io.errors import RoundError
from samen.web.core import jobs
from samen.web.core.allocation import AllocationError, input_files, result_files
from samen.web.core.exchange import write_folder
from samen.web.core.models import AllocationRun, Job


@jobs.handler("report")
def _report(job: Job) -> dict[str, Any]:
    """The council report of an allocation run (``samen report``): made from the run's round
    folder and results as the platform stored them (pseudonymised, as published), in the
    language of whoever asked for it."""
    from samen.analytics.report import LANGUAGES, ReportError, make_report

    run = AllocationRun.objects.filter(pk=job.params.get("run")).first()
    if run is None or not run.input_files:
        raise AllocationError(_("This allocation run no longer exists."))
    lang = str(job.params.get("language", "nl"))[:2]
    lang = lang if lang in LANGUAGES else "en"
    draws = jobs.report_draws()
    out = jobs.report_path(job)
    with tempfile.TemporaryDirectory(prefix="samen-report-") as tmp:
        folder = Path(tmp) / "round"
        write_folder(input_files(run), folder)
        write_folder(result_files(run), folder / "results")
        try:
            make_report(folder, out, draws=draws, lang=lang)
        except (ReportError, RoundError) as exc:
            raise AllocationError(
                _("The report could not be made: %(n)s problem(s).") % {"n": len(exc.problems)},
                [
                    {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
                    for p in exc.problems
                ],
            ) from None
    # the dashboard opens the latest report of a run: the older files are not needed any more
    older = Job.objects.filter(kind="report", params__run=run.pk, pk__lt=job.pk)
    for old in older.filter(status=Job.DONE):
        jobs.report_path(old).unlink(missing_ok=True)
    return {
        "run": run.pk,
        "number": run.number,
        "report": out.name,
        "bytes": out.stat().st_size,
        "draws": draws,
        "language": lang,
    }
