"""The server way: the same chat as one long-running WebSocket server process, its state in memory.

Notebook 09 runs it next to the serverless chat to compare them. `launch()` starts it as a real
subprocess (`python -m server_way`) on a free loopback port and returns where it listens.
"""

from .process import ServerProcess, launch

__all__ = ["ServerProcess", "launch"]
