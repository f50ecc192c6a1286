"""Commands of the stewardship console: ``serve`` and ``users add|list|disable``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import typer

from hub.cli.app import app, console, handle_errors
from hub.cli.store import _engine
from hub.errors import HubError

users_app = typer.Typer(help="People who may log in to the console (hub serve).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1 behind a proxy)."),
    port: int = typer.Option(8000, help="Port."),
    tls_cert: Path = typer.Option(
        None, "--tls-cert", help="Serve HTTPS with this certificate (cookies become Secure)."
    ),
    tls_key: Path = typer.Option(None, "--tls-key", help="The certificate's private key."),
    root_path: str = typer.Option("", "--root-path", help="URL prefix when served under a proxy path."),
) -> None:
    """The stewardship console: discrepancies, review queue, customer 360, runs (login required)."""
    import uvicorn

    from hub.console.app import create_app

    if bool(tls_cert) != bool(tls_key):
        raise HubError("give both --tls-cert and --tls-key, or neither")
    config = _load_config()
    engine = _engine()
    application = create_app(engine=engine, config=config)
    scheme = "https" if tls_cert else "http"
    console.print(f"ChannelHub console on {scheme}://{host}:{port}{root_path}/ (Ctrl+C stops it)")
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        root_path=root_path,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        server_header=False,
    )


def _load_config():
    from hub.cli.app import load

    return load()


@users_app.command("add")
@handle_errors
def users_add(
    name: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help="viewer, steward or admin."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Add a user; the password is read from stdin (--password-stdin) or asked for, never taken as an argument."""
    from hub.console.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise HubError("the two passwords differ")
    with _engine().begin() as conn:
        user = add_user(conn, name, role, password, f"cli:{getpass.getuser()}")
    console.print(f"user {user['name']} added ({user['role']})")


@users_app.command("list")
@handle_errors
def users_list() -> None:
    """Users with their role, state and last login (never their password hash)."""
    from rich.table import Table

    from hub.console.users import list_users

    with _engine().connect() as conn:
        rows = list_users(conn)
    if not rows:
        console.print("no users yet: hub users add NAME --role admin --password-stdin")
        return
    t = Table(title="console users")
    for col in ("name", "role", "state", "created", "last login"):
        t.add_column(col)
    for u in rows:
        t.add_row(
            u["name"],
            u["role"],
            "disabled" if u["disabled"] else "active",
            f"{u['created_at']:%Y-%m-%d %H:%M}",
            f"{u['last_login']:%Y-%m-%d %H:%M}" if u["last_login"] else "-",
        )
    console.print(t)


@users_app.command("disable")
@handle_errors
def users_disable(
    name: str = typer.Argument(...),
    enable: bool = typer.Option(False, "--enable", help="Enable the user again instead."),
) -> None:
    """Disable a user (their sessions end at once), or enable them again with --enable."""
    from hub.console.users import set_disabled

    with _engine().begin() as conn:
        set_disabled(conn, name, not enable, f"cli:{getpass.getuser()}")
    console.print(f"user {name}: {'enabled' if enable else 'disabled'}")
