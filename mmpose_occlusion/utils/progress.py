"""Progress reporting that stays readable in a log file.

On a terminal, MMEngine's ``ProgressBar`` (one line redrawn in place, with
items/s and ETA). When the output is a file or a pipe, redrawing would write
one line per item (or one endless line of carriage returns); instead a line
is printed every ``every`` seconds and at 25 %, 50 %, 75 % and the end.
"""
import sys
import time
from typing import Optional, TextIO

__all__ = ['Progress']


class Progress:
    """Count ``total`` items of ``unit`` (e.g. ``'images'``).

    Args:
        total: how many items will be counted.
        unit: what an item is, for the log lines.
        file: where to write (default: stdout).
        every: seconds between log lines when ``file`` is not a terminal.
        tty: force terminal (True) or log (False) mode; None asks ``file``.
    """

    def __init__(self,
                 total: int,
                 unit: str = 'items',
                 file: Optional[TextIO] = None,
                 every: float = 30.0,
                 tty: Optional[bool] = None):
        self.total, self.unit, self.every = int(total), unit, every
        self.file = file or sys.stdout
        if tty is None:
            isatty = getattr(self.file, 'isatty', None)
            tty = bool(isatty and isatty())
        self.done = 0
        self.start = self._last = time.perf_counter()
        self._marks = sorted(
            {max(1, round(self.total * q / 4))
             for q in (1, 2, 3, 4)})
        self._bar = None
        if tty and self.total > 0:
            from mmengine.utils import ProgressBar
            self._bar = ProgressBar(self.total, file=self.file)

    @property
    def rate(self) -> float:
        """Items per second so far."""
        return self.done / max(time.perf_counter() - self.start, 1e-9)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.perf_counter()
        crossed = any(self.done - n < m <= self.done for m in self._marks)
        if crossed or now - self._last >= self.every:
            self._last = now
            left = max(self.total - self.done, 0)
            eta = left / self.rate if self.rate > 0 else float('inf')
            self.file.write(
                f'{self.unit} {self.done}/{self.total}, {self.rate:.1f} '
                f'{self.unit}/s, elapsed {now - self.start:.0f} s, ETA '
                f'{eta:.0f} s\n')
            self.file.flush()

    def close(self) -> str:
        """End the bar; return a one-line summary (count, time, rate)."""
        if self._bar is not None:
            self.file.write('\n')
            self.file.flush()
        took = time.perf_counter() - self.start
        return (f'{self.done} {self.unit} in {took:.1f} s '
                f'({self.rate:.1f} {self.unit}/s)')
