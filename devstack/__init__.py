"""The local stack and tools: the embedded emulator, provisioning, the demo.

Everything here runs on a developer's machine or in CI; nothing here is deployed to AWS.
"""
