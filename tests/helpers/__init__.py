"""Helpers shared by the tests: gateway probes (gateway.py), the chat handlers kit (chat_handlers.py), commands driven in child processes (processes.py)."""
