"""The local console: the local stand-in for the Step Functions console (``make console``).

``reading.py`` reads the stack (workflows, executions, histories, approvals, queues) through
boto3; ``graph.py`` turns an ASL file and an execution's history into the Mermaid graph with
the path taken; ``app.py`` serves the pages (Flask and Jinja templates) and the two actions,
deciding an approval and redriving a dead-letter queue, as POSTs with a CSRF token;
``serve.py`` starts it on 127.0.0.1.
"""

DEFAULT_PORT = 8787
HOST = "127.0.0.1"  # the only address the console listens on


def console_url(port: int = DEFAULT_PORT) -> str:
    return f"http://{HOST}:{port}"
