"""``make bench``: what an order costs in time, what a cold start costs, and the local stack
under load. One job per module:

- :mod:`devstack.bench.orders`: orders on the embedded emulator (time, transitions, Lambdas);
- :mod:`devstack.bench.cold_start`: each handler's import time next to the ``import boto3``
  floor, each function's package size, each handler's peak memory on its sample events;
- :mod:`devstack.bench.load`: the local stack (MiniStack and the local gateway) under a
  constant arrival rate of orders, driven by locust (``devstack/bench/locustfile.py``);
- :mod:`devstack.bench.machine` and :mod:`devstack.bench.tables`: the machine the numbers
  come from, and the Markdown tables they are printed in.

``python -m devstack.bench`` (``make bench``) runs the three in turn; docs/performance.md
holds a run's output.
"""
