# Runs one VMM process and measures it: wall times of its serial lines and of its exit,
# its peak RSS, its exit status, and the guest's RESULT lines.
import os
import re
import selectors
import signal
import subprocess
import tempfile
import time

HELLO = b"nestvisor-testguest: hello"
RESIDENT_RE = re.compile(rb"guest RAM resident: (\d+) KiB")

# Peak RSS comes from GNU time, not from our own wait4(): the kernel folds the
# RSS of the exec'ing process's old address space into ru_maxrss, and a child
# of Python starts as a copy of (or, with vfork, the very) Python address space,
# so wait4() here would report about Python's size for every VMM. GNU time forks
# a fresh small child, so its floor is its own few hundred KiB.
GNU_TIME = "/usr/bin/time"


class RunError(Exception):
    """A run that did not do what it should (bad status, no output, timeout)."""


def parse_result(lines, workload):
    """Return the key=value pairs of the first `RESULT <workload>` line, or None."""
    prefix = b"RESULT " + workload.encode() + b" "
    for _, line in lines:
        if line.startswith(prefix):
            pairs = (w.split(b"=", 1) for w in line[len(prefix):].split())
            return {k.decode(): v.decode() for k, v in pairs}
    return None


def gnu_time_available():
    return os.access(GNU_TIME, os.X_OK)


def _read_all(proc, deadline):
    """Read stdout and stderr until both close; stamp each stdout line on arrival."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    lines, partial, err = [], b"", b""
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            raise RunError("timed out")
        for key, _ in sel.select(timeout=left):
            data = os.read(key.fileobj.fileno(), 65536)
            now = time.monotonic_ns()
            if not data:
                sel.unregister(key.fileobj)
            elif key.data == "err":
                err += data
            else:
                partial += data
                *done, partial = partial.split(b"\n")
                lines += [(now, ln.rstrip(b"\r")) for ln in done]
    if partial:
        lines.append((time.monotonic_ns(), partial))
    return lines, err


def _exit_code(status):
    return os.waitstatus_to_exitcode(status)


def run(argv, env=None, timeout=120.0, rss=False):
    """Run argv to completion; return a dict of what was measured.

    With rss=True the command runs under GNU time, which reports its peak RSS.
    Times are nanoseconds from just before the process was created.
    """
    tfile = None
    if rss:
        fd, tfile = tempfile.mkstemp(prefix="nv-bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", tfile, "--"] + list(argv)
    try:
        return _run(argv, env, timeout, tfile)
    finally:
        if tfile:
            os.unlink(tfile)


def _run(argv, env, timeout, tfile):
    t0 = time.monotonic_ns()
    # A session of its own, so a timeout or ^C kills GNU time and the VMM under it.
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        lines, err = _read_all(proc, time.monotonic() + timeout)
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        raise
    finally:
        proc.stdout.close()
        proc.stderr.close()
        _, status, _ = os.wait4(proc.pid, 0)
        t_exit = time.monotonic_ns()
        proc.returncode = _exit_code(status)
    hello = next((t for t, ln in lines if ln.startswith(HELLO)), None)
    m = RESIDENT_RE.search(err)
    return {
        "status": proc.returncode,
        "first_line_ns": None if hello is None else hello - t0,
        "last_line_ns": lines[-1][0] - t0 if lines else None,
        "exit_ns": t_exit - t0,
        "maxrss_kib": _read_rss(tfile) if tfile else None,
        "guest_resident_kib": int(m.group(1)) if m else None,
        "lines": lines,
        "stderr": err.decode(errors="replace"),
    }


def _read_rss(path):
    """GNU time writes a 'Command exited with ...' line first on failure; take the last."""
    with open(path) as f:
        words = f.read().split()
    return int(words[-1]) if words and words[-1].isdigit() else None
