"""``samen web ...``: the platform (a Django web application).

    samen web migrate                 create or update the database
    samen web serve [--port 8000]     the web server (development server; see docs/platform.md)
    samen web worker [--once]         do the queued jobs (allocations) and send the e-mail
    samen web demo                    a demo database, the server and the worker, with sign-ins
    samen web staff EMAIL --role office|school [--school ID --round SLUG] [--reset-totp]
    samen web purge                   remove personal data past the retention date
    samen web compilemessages         compile the translations (no GNU gettext needed)
    samen web manage ARGS...          any Django management command

Settings come from the environment (SAMEN_DEBUG, SAMEN_DATA_DIR, SAMEN_DATABASE_URL, ...);
see docs/platform.md.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from samen.commands.common import need_extra, read_round_or_exit

web = typer.Typer(
    name="web",
    help="The samen platform: the web application for families and the admission office.",
    no_args_is_help=True,
    add_completion=False,
)


@web.callback()
def _needs_django() -> None:
    need_extra("web", "web")


def _manage(*args: str) -> None:
    from samen.web.manage import main

    main(["samen web", *args])


def _django_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "samen.web.manage", *args]


@web.command()
def migrate() -> None:
    """Create the database, or bring it up to date."""
    _manage("migrate", "--noinput")


@web.command()
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port.")] = 8000,
) -> None:
    """Run Django's web server (for the demo and trying things out; production: see
    docs/platform.md)."""
    _manage("runserver", "--noreload", f"{host}:{port}")


@web.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Stop when no job is left and no e-mail is due.")
    ] = False,
) -> None:
    """Do the queued jobs (allocations), one at a time, and send the e-mail to families that is
    due, until stopped."""
    _manage("samen_worker", *(["--once"] if once else []))


@web.command()
def staff(
    email: Annotated[str, typer.Argument(help="The e-mail address.", show_default=False)],
    role: Annotated[str, typer.Option(help="office or school.")] = "office",
    school: Annotated[
        list[str] | None, typer.Option(help="A school id (for role school); repeat for more.")
    ] = None,
    round: Annotated[
        str, typer.Option("--round", help="The round (its slug) the school ids are for.")
    ] = "",
    remove: Annotated[
        bool, typer.Option("--remove", help="Take the staff role away (the account stays).")
    ] = False,
    reset_totp: Annotated[
        bool,
        typer.Option(
            "--reset-totp",
            help="Only remove the person's authenticator app (a lost phone); the next sign-in "
            "sets it up again.",
        ),
    ] = False,
) -> None:
    """Give an e-mail address a staff role (they sign in with an e-mail code; office admins
    also with an authenticator app), or remove it."""
    if remove:
        _manage("samen_staff", email, "--remove")
        return
    if reset_totp:
        _manage("samen_staff", email, "--reset-totp")
        return
    args = ["samen_staff", email, "--role", role]
    for s in school or []:
        args += ["--school", s]
    if round:
        args += ["--round", round]
    _manage(*args)


@web.command()
def purge() -> None:
    """Remove the personal data of rounds whose retention date has passed."""
    _manage("samen_purge")


@web.command()
def compilemessages() -> None:
    """Compile the translations (.po to .mo) in pure Python."""
    _manage("samen_compilemessages")


@web.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run any Django management command, e.g. samen web manage createcachetable."""
    _manage(*ctx.args)


@web.command()
def demo(
    data_dir: Annotated[
        Path, typer.Option("--data", help="Where the demo database goes (made anew).")
    ] = Path("out/web-demo"),
    round_dir: Annotated[Path, typer.Option("--round", help="The round folder to load.")] = Path(
        "examples/mechelen-2027"
    ),
    port: Annotated[int, typer.Option(help="The port.")] = 8000,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server and the worker.")
    ] = True,
) -> None:
    """A demo: a fresh database with the example round, sign-ins, the server and the worker.

    Sign-in codes and the e-mail to families are printed in this terminal (the demo sends
    e-mail to the console).
    """
    import shutil

    # the round is checked here, so that its problems are listed (exit code 2) before any
    # database or server is made
    read_round_or_exit(round_dir, "no demo was made")
    data = data_dir.absolute()
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        {
            "SAMEN_DEBUG": "1",
            "SAMEN_DATA_DIR": str(data),
            "SAMEN_HTTPS": "0",
            "DJANGO_SETTINGS_MODULE": "samen.web.settings",
            # links in the e-mail lead to this server; receipts of lists come after a minute
            "SAMEN_SITE_URL": f"http://127.0.0.1:{port}",
            "SAMEN_RECEIPT_MINUTES": "1",
        }
    )
    env.pop("SAMEN_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    env.pop("SAMEN_EMAIL_HOST", None)
    subprocess.run(_django_command(["migrate", "--noinput", "-v", "0"]), env=env, check=True)
    subprocess.run(
        _django_command(["samen_demo", "--folder", str(round_dir.absolute())]), env=env, check=True
    )
    url = f"http://127.0.0.1:{port}/"
    typer.echo(
        f"\nThe demo is at {url}\nSign in with one of the e-mail addresses above; the code "
        "appears in this terminal.\nOffice: set up an authenticator app at the first sign-in "
        "(a QR code, or the key as text), then close the registration, reveal the seed above at "
        "the draw, allocate, publish.\n"
    )
    if not serve_it:
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    worker_proc = subprocess.Popen(_django_command(["samen_worker", "--poll", "1"]), env=env)
    server = subprocess.Popen(
        _django_command(["runserver", "--noreload", f"127.0.0.1:{port}"]), env=env
    )
    try:
        while server.poll() is None and worker_proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (server, worker_proc):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def register(app: typer.Typer) -> None:
    """Add ``samen web`` to the ``samen`` command."""
    app.add_typer(web, name="web")
