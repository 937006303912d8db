"""A probe program for the PID 1 tests: it reports what it sees to files in a
directory given on the command line, so the test can read it back.

  probe.py DIR term EXIT      write DIR/ready, wait for SIGTERM, note it, exit EXIT
  probe.py DIR orphans N      leave N orphaned grandchildren, then count zombies
  probe.py DIR sigkill        kill itself with SIGKILL
"""
import os
import signal
import sys
import time
from pathlib import Path


def zombies() -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The state is the first field after the parenthesised command name.
        if stat[stat.rindex(")") + 2] == "Z":
            count += 1
    return count


def main() -> int:
    out = Path(sys.argv[1])
    mode = sys.argv[2]
    if mode == "term":
        status = int(sys.argv[3])

        def on_term(signum, frame):
            (out / "signals").write_text(f"{signal.Signals(signum).name} pid={os.getpid()}\n")
            sys.exit(status)

        signal.signal(signal.SIGTERM, on_term)
        (out / "ready").write_text(str(os.getpid()))
        while True:
            time.sleep(0.05)
    if mode == "orphans":
        n = int(sys.argv[3])
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                if os.fork() == 0:
                    time.sleep(0.3)  # outlives its parent: re-parented to PID 1
                os._exit(0)
            os.waitpid(pid, 0)
        time.sleep(2.0)  # the orphans exit at 0.3 s; PID 1 must have reaped them
        (out / "zombies").write_text(str(zombies()))
        return 0
    if mode == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    return 2


if __name__ == "__main__":
    sys.exit(main())
