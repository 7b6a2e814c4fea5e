"""Proving the archive: ``key export``, ``log``, ``prove``, ``verify-proof``, ``timestamp``, ``verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.errors import InputError
from chatledger.integrity import ledger
from chatledger.integrity.errors import VerificationError
from chatledger.integrity.proof import verify_proof_file
from chatledger.integrity.tree_head import public_key_pem, verify_tree_head
from chatledger.integrity.verify import verify_archive
from chatledger.store import MESSAGE_LEAF, SOURCE_LEAF, open_store
from chatledger.timefmt import format_ts

key_app = typer.Typer(help="The archive's signing key.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PublicKeyOption = Annotated[
    Path | None,
    typer.Option("--public-key", help="The archive's public key PEM (default: <db>.pub beside the archive)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(key_app, name="key")
    key_app.command("export")(key_export_command)
    app.command("log")(log_command)
    app.command("prove")(prove_command)
    app.command("verify-proof")(verify_proof_command)
    app.command("timestamp")(timestamp_command)
    app.command("verify")(verify_command)


def key_export_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print the archive's public key (PEM) and its fingerprint, to hand to whoever checks your proofs.

    Example: chatledger key export > archive.pub
    """
    settings = state(ctx).settings
    public_key = ledger.load_verifying_key(settings.key_path)
    pem = public_key_pem(public_key).decode("ascii")
    if as_json:
        print_json({"public_key": pem, "fingerprint": ledger.fingerprint(public_key)})
        return
    out.print(pem, end="")
    err.print(f"fingerprint {ledger.fingerprint(public_key)}", soft_wrap=True)


def log_command(ctx: typer.Context, public_key: PublicKeyOption = None, as_json: JsonOption = False) -> None:
    """List the signed tree heads: size, root, time, whether the signature checks, timestamps.

    Example: chatledger log
    """
    st = state(ctx)
    store = st.store()
    key = ledger.load_verifying_key(st.settings.key_path, public_key)
    stamps: dict[int, int] = {}
    for stamp in store.timestamps():
        stamps[stamp.head_id] = stamps.get(stamp.head_id, 0) + 1
    rows: list[dict[str, Any]] = []
    for stored in store.tree_heads():
        try:
            verify_tree_head(stored.signed, key)
            ok = True
        except VerificationError:
            ok = False
        head = stored.signed.head
        rows.append(
            {
                "id": stored.id,
                "size": head.size,
                "root_hash": head.root_hash.hex(),
                "timestamp_ms": head.timestamp_ms,
                "signature_ok": ok,
                "timestamps": stamps.get(stored.id, 0),
            }
        )
    if as_json:
        print_json(rows)
        return
    table = Table("head", "size", "root", "signed at (UTC)", "signature", "timestamps", title="Tree heads")
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['size']:,}",
            f"{row['root_hash'][:16]}…",
            format_ts(int(row["timestamp_ms"]), 0),
            "[green]ok[/]" if row["signature_ok"] else "[bold red]BAD[/]",
            str(row["timestamps"]),
        )
    out.print(table)
    out.print(f"key fingerprint {ledger.fingerprint(key)}")


def _target(ref: str) -> tuple[int, int]:
    """``123`` or ``message:123`` → a message; ``source:2`` → a source."""
    kind, _, number = ref.rpartition(":")
    kinds = {"": MESSAGE_LEAF, "message": MESSAGE_LEAF, "msg": MESSAGE_LEAF, "source": SOURCE_LEAF}
    if kind not in kinds or not number.isdigit():
        raise InputError(f"{ref!r}: name a message id (123 or message:123) or a source id (source:2).")
    return kinds[kind], int(number)


def prove_command(
    ctx: typer.Context,
    target: Annotated[
        str | None, typer.Argument(help="A message id (123, message:123) or a source (source:2).")
    ] = None,
    consistency: Annotated[
        tuple[int, int] | None,
        typer.Option(
            "--consistency", help="Prove head OLD's log is a prefix of head NEW's (ids from `log`)."
        ),
    ] = None,
    head: Annotated[
        int | None, typer.Option("--head", help="Prove against this head (default: the latest).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the proof here (default: stdout).")
    ] = None,
) -> None:
    """Write a self-contained JSON proof that a message or source is in the signed log, or that the log only
    grew between two heads; `chatledger verify-proof` checks it without the archive.

    Example: chatledger prove 26214400016 -o message-proof.json
    """
    st = state(ctx)
    store = st.store()
    public_key = ledger.load_verifying_key(st.settings.key_path)
    if consistency is not None:
        if target is not None:
            raise InputError("give either a message/source or --consistency OLD NEW, not both.")
        proof = ledger.consistency_proof_file(store, consistency[0], consistency[1], public_key)
    elif target is not None:
        kind, ref = _target(target)
        proof = ledger.inclusion_proof_file(store, kind, ref, public_key, head_id=head)
    else:
        raise InputError("name a message or source to prove, or --consistency OLD NEW.")
    text = json.dumps(proof, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        out.file.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"proof written to {escape(str(output))}")


def verify_proof_command(
    file: Annotated[Path, typer.Argument(help="A proof file from `chatledger prove`.")],
    fingerprint: Annotated[
        str | None,
        typer.Option("--fingerprint", help="The key fingerprint you trust (from the archive's owner)."),
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="The public key PEM you trust.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a proof file on its own, with no archive: leaf hash, audit path, head signature, timestamps.

    Example: chatledger verify-proof message-proof.json --fingerprint 3f2a:…
    """
    trusted = fingerprint
    if public_key is not None:
        from chatledger.integrity.tree_head import key_id, load_public_key

        trusted = key_id(load_public_key(public_key.read_bytes()))
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file}: not a readable JSON proof file ({exc}).") from exc
    check = verify_proof_file(data, trusted_key_id=trusted)
    if as_json:
        print_json(check)
        return
    what = "inclusion" if check.leaf is not None else "consistency"
    out.print(f"[green]valid[/] {what} proof, tree size {check.tree_size:,}, root {check.root_hash[:16]}…")
    if check.leaf is not None:
        leaf = check.leaf
        label = (
            f"message at {format_ts(int(leaf['ts_ms']), int(leaf['utc_offset_min']))} in {leaf['platform']}:{leaf['chat']}"
            if "ts_ms" in leaf
            else f"source {leaf.get('original_name')} sha256 {str(leaf.get('sha256'))[:16]}…"
        )
        out.print(f"  leaf {check.leaf_index}: {escape(label)}")
    else:
        out.print(f"  the log of size {check.old_size:,} is a prefix of it")
    for moment in check.timestamps:
        out.print(f"  timestamped {moment.isoformat()}")
    if check.timestamps_without_certificate:
        err.print(
            f"[yellow]{check.timestamps_without_certificate} timestamp(s) carry no TSA certificate: only their "
            "imprint was checked[/]"
        )
    kid = check.key_id
    out.print(f"  signed by key {':'.join(kid[i : i + 4] for i in range(0, len(kid), 4))}")
    if trusted is None:
        err.print("[yellow]no --fingerprint or --public-key given: compare the key above with the owner's[/]")


def timestamp_command(
    ctx: typer.Context,
    tsa: Annotated[str, typer.Option("--tsa", help="The RFC 3161 timestamp authority's URL.")],
    tsa_cert: Annotated[
        Path | None, typer.Option("--tsa-cert", help="The TSA's certificate (PEM), to verify the token.")
    ] = None,
    ca_cert: Annotated[
        Path | None, typer.Option("--ca-cert", help="The CA certificate(s) the TSA's chains to (PEM).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the TSA.")] = 30.0,
) -> None:
    """Have a trusted timestamp authority (RFC 3161) stamp the latest signed head; the token is verified
    and kept.

    Example: chatledger timestamp --tsa https://freetsa.org/tsr --tsa-cert tsa.crt --ca-cert cacert.pem
    """
    store = state(ctx).store()
    stored, stamp = ledger.stamp_head(
        store,
        tsa,
        tsa_cert_pem=tsa_cert.read_bytes() if tsa_cert else None,
        ca_cert_pem=ca_cert.read_bytes() if ca_cert else None,
        timeout=timeout,
    )
    out.print(
        f"head {stored.id} (size {stored.signed.head.size:,}) timestamped {stamp.gen_time} by {escape(tsa)}"
    )
    if tsa_cert is None:
        err.print("[yellow]no --tsa-cert: only the token's imprint was checked, not who signed it[/]")


def verify_command(
    ctx: typer.Context,
    public_key: PublicKeyOption = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes re-reading rows (default: 2).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the whole archive: every message and source against its leaf, every kept original against its
    hash, every head's signature and root, successive heads' consistency and every timestamp; names what
    changed and exits 1 if anything did.

    Example: chatledger verify --json
    """
    st = state(ctx)
    db_path = st.settings.db_path
    report = verify_archive(
        st.store(),
        originals_dir=st.settings.originals_dir,
        public_key=ledger.load_verifying_key(st.settings.key_path, public_key),
        reopen=lambda: open_store(db_path),
        workers=workers,
    )
    if as_json:
        print_json({"ok": report.ok, **{k: v for k, v in vars(report).items() if not k.startswith("_")}})
    else:
        for finding in report.findings:
            out.print(f"[bold red]{finding.kind}[/] {escape(finding.subject)}: {escape(finding.problem)}")
        if report.omitted:
            out.print(f"… and {report.omitted:,} more")
        verdict = (
            "[green]verified[/]"
            if report.ok
            else f"[bold red]{len(report.findings) + report.omitted} problems[/]"
        )
        out.print(
            f"{verdict}: {report.messages:,} messages, {report.sources:,} sources, {report.originals:,} originals "
            f"({report.original_bytes / 1e6:,.1f} MB), {report.leaves:,} leaves, {report.heads} heads, "
            f"{report.timestamps} timestamps in {report.seconds:.1f} s; root {report.root_hash[:16]}…, "
            f"key {report.key_fingerprint}"
        )
    if not report.ok:
        raise typer.Exit(1)
