"""The console's pages and actions (Flask, Jinja templates in ``templates/``).

Pages are GETs that only read. The two actions, deciding an approval and redriving a
dead-letter queue, are POSTs that must carry the CSRF token the pages embed (one random token
per server start, compared in constant time) and are refused unless actions are enabled
(they are by default against the local stack, and off against AWS unless asked for). No page
shows anything of the AWS credentials: pages receive the rows ``reading.Stack`` builds, never
a client. Mermaid is served from the npm package ``make node_modules`` installs, so the
console works offline.
"""

import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, abort, flash, g, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from devstack.approvals import ApprovalExpired, NoPendingApproval
from devstack.console.graph import COLOURS, Outcome
from devstack.console.reading import Stack
from devstack.paths import REPO_ROOT
from devstack.workflow_runs import STATUSES

MERMAID = REPO_ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
SINCE = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
REFRESH_S = 2  # a running execution's page reloads itself this often


def create_app(
    stack: Stack, *, actions: bool = True, target: str = "local", mermaid: Path = MERMAID
) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)  # flash messages only; nothing else in the cookie
    _guard(app, actions, target)
    _pages(app, stack, mermaid)
    _actions(app, stack)
    return app


def _guard(app: Flask, actions: bool, target: str) -> None:
    """CSRF and the actions switch on every POST; security headers on every answer."""
    csrf_token = secrets.token_urlsafe(32)

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "csrf_token": csrf_token,
            "actions": actions,
            "target": target,
            "elapsed_ms": lambda: round((time.perf_counter() - g.started) * 1000),
        }

    @app.before_request
    def guard() -> None:
        g.started = time.perf_counter()
        if request.method == "POST":
            if not actions:
                abort(403, "actions are off: start the console with ACTIONS=1 to allow them")
            sent = request.form.get("csrf_token", "")
            if not hmac.compare_digest(sent, csrf_token):
                abort(403, "missing or wrong CSRF token: reload the page and try again")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _pages(app: Flask, stack: Stack, mermaid: Path) -> None:
    @app.get("/")
    def index() -> Response:
        return redirect(url_for("workflows"))

    @app.get("/workflows")
    def workflows() -> str:
        return render_template("workflows.html", workflows=stack.workflows(), statuses=STATUSES)

    @app.get("/executions")
    def executions() -> str:
        workflow = request.args.get("workflow") or None
        status = request.args.get("status") or None
        since_key = request.args.get("since") or None
        if workflow is not None and workflow not in stack.workflow_keys():
            abort(400, f"unknown workflow {workflow!r}: one of {', '.join(stack.workflow_keys())}")
        if status is not None and status not in STATUSES:
            abort(400, f"unknown status {status!r}: one of {', '.join(STATUSES)}")
        if since_key is not None and since_key not in SINCE:
            abort(400, f"unknown period {since_key!r}: one of {', '.join(SINCE)}")
        since = datetime.now(tz=UTC) - SINCE[since_key] if since_key else None
        rows = stack.executions(workflow, status, since)
        return render_template(
            "executions.html",
            rows=rows,
            workflow=workflow,
            status=status,
            since=since_key,
            workflows=stack.workflow_keys(),
            statuses=STATUSES,
            periods=list(SINCE),
        )

    @app.get("/execution")
    def execution() -> str:
        arn = request.args.get("arn", "")
        try:
            detail = stack.execution(arn)
        except (KeyError, IndexError):
            abort(404, f"no execution {arn!r} in this stack")
        return render_template(
            "execution.html",
            detail=detail,
            refresh=REFRESH_S if detail.running else None,
            outcomes=list(Outcome),
            colours=COLOURS,
        )

    @app.get("/order")
    def order() -> str:
        order_id = request.args.get("id", "").strip()
        if not order_id:
            abort(400, "name an order: /order?id=<orderId>")
        try:
            trail = stack.order(order_id)
        except KeyError:
            abort(404, f"no order {order_id!r} in this stack: no saved row, no execution")
        return render_template("order.html", trail=trail)

    @app.get("/approvals")
    def approvals() -> str:
        return render_template("approvals.html", requests=stack.pending_approvals())

    @app.get("/queues")
    def queues() -> str:
        return render_template("queues.html", queues=stack.queues())

    @app.get("/vendor/mermaid.min.js")
    def mermaid_js() -> Response:
        if not mermaid.is_file():
            abort(404, "Mermaid is not installed: run make node_modules")
        return send_file(mermaid, mimetype="text/javascript", max_age=3600)


def _actions(app: Flask, stack: Stack) -> None:
    @app.post("/approvals/<order_id>")
    def decide(order_id: str) -> Response:
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400, "decision must be approve or reject")
        reviewer = (request.form.get("reviewer") or "console").strip()[:64]
        note = (request.form.get("note") or "").strip()[:500]
        try:
            stack.approvals().decide(order_id, decision == "approve", reviewer, note)
        except (NoPendingApproval, ApprovalExpired) as error:
            flash(str(error), "error")
        else:
            flash(f"order {order_id}: {decision}d by {reviewer}", "ok")
        return redirect(url_for("approvals"))

    @app.post("/queues/<key>/redrive")
    def redrive(key: str) -> Response:
        try:
            moved = stack.redrive(key)
        except KeyError as error:
            abort(404, str(error))
        flash(f"{key}: {moved} message(s) moved back from its dead-letter queue", "ok")
        return redirect(url_for("queues"))
