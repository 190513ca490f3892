"""How much memory and CPU a server process (and any children) used while it was watched."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import psutil


@dataclass
class Usage:
    rss_before: int = 0
    peak_rss: int = 0
    cpu_seconds: float = 0.0


class UsageWatcher:
    """Samples RSS every `period` seconds; CPU is the difference of counters, so it is exact."""

    def __init__(self, pid: int, period: float = 0.05) -> None:
        self._process = psutil.Process(pid)
        self._period = period
        self._task: asyncio.Task[None] | None = None
        self._cpu_start = 0.0
        self.usage = Usage()

    def __enter__(self) -> UsageWatcher:
        self.usage.rss_before = self._rss()
        self.usage.peak_rss = self.usage.rss_before
        self._cpu_start = self._cpu()
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self._note_rss()
        self.usage.cpu_seconds = self._cpu() - self._cpu_start

    async def _sample(self) -> None:
        while True:
            self._note_rss()
            await asyncio.sleep(self._period)

    def _note_rss(self) -> None:
        with contextlib.suppress(psutil.Error):
            self.usage.peak_rss = max(self.usage.peak_rss, self._rss())

    def _processes(self) -> list[psutil.Process]:
        return [self._process, *self._process.children(recursive=True)]

    def _rss(self) -> int:
        return sum(process.memory_info().rss for process in self._processes())

    def _cpu(self) -> float:
        total = 0.0
        for process in self._processes():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total
