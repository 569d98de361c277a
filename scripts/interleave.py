#!/usr/bin/env python3
"""Time commands interleaved: round after round, each command once per round, so that a
slow phase of a shared machine hits every command alike (hyperfine runs all the runs of one
command before the next). Prints each command's median and mean wall time, its median user
and system time, and its median over the first command's.

Usage: scripts/interleave.py ROUNDS WARMUP 'COMMAND 1' 'COMMAND 2' ...
Each command is split like a shell would (shlex), run without a shell, with its standard
output going to a pipe (GNU grep stops at the first match when its output is /dev/null).
"""
import os
import shlex
import statistics
import sys
import time


def run(argv):
    r, w = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, w, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2),
                                        (os.POSIX_SPAWN_CLOSE, r)])
    os.close(w)
    while os.read(r, 1 << 16):
        pass
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(r)
    os.close(devnull)
    return wall, usage.ru_utime, usage.ru_stime, os.waitstatus_to_exitcode(status)


def main():
    rounds, warmup = int(sys.argv[1]), int(sys.argv[2])
    cmds = [shlex.split(c) for c in sys.argv[3:]]
    times = [[] for _ in cmds]
    for k in range(warmup + rounds):
        for i, argv in enumerate(cmds):
            t = run(argv)
            if k >= warmup:
                times[i].append(t)
    base = statistics.median(t[0] for t in times[0])
    for argv, ts in zip(sys.argv[3:], times):
        wall = [t[0] for t in ts]
        med = statistics.median(wall)
        print("  median %8.2f ms  mean %8.2f ms  user %7.2f  sys %6.2f  %.2fx first  %s" % (
            med * 1000, statistics.mean(wall) * 1000,
            statistics.median(t[1] for t in ts) * 1000,
            statistics.median(t[2] for t in ts) * 1000,
            med / base, argv))


if __name__ == "__main__":
    main()
