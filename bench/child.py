"""Run one command and report its own wall time, CPU time and peak memory as JSON.

``python bench/child.py REPORT COMMAND...``: a small process between the harness and the
command measured. Linux carries a process's peak resident size across ``exec``, so a
command started straight from the harness would report the harness's own size when that
is larger; started from here, it reports at most this small interpreter's (about 10 MB).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    report, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    with open(report, "w") as file:
        json.dump(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "max_rss_mb": usage.ru_maxrss / 1024,
            },
            file,
        )
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
