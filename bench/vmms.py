# The VMMs we compare and how each one boots the test guest with a given command line,
# vCPU count and memory size.
import os
import shutil
import subprocess


class Vmm:
    """A peer: its name, binary, and a function building its command line."""

    def __init__(self, key, name, binary, build_argv, version_args, required=False):
        self.key = key
        self.name = name
        self.binary = binary
        self.origin = binary  # what the user named; binary may be a snapshot of it
        self.build_argv = build_argv
        self.version_args = version_args
        self.required = required
        self.skip_reason = None
        self.version = None

    def argv(self, guest, cmdline, cpus=1, memory=256):
        return self.build_argv(self.binary, guest, cmdline, cpus, memory)

    def environ(self, extra=None):
        env = dict(os.environ)
        env.update(extra or {})
        return env


def _nestvisor_argv(binary, guest, cmdline, cpus, memory):
    return [binary, "run", "--kernel", guest, "--cmdline", cmdline,
            "--cpus", str(cpus), "--memory", str(memory)]


def _qemu_argv(binary, guest, cmdline, cpus, memory):
    # -cpu host fails on the local KVM backend (MSR 0x10a); a named model works.
    return [binary, "-M", "microvm", "-accel", "kvm", "-cpu", "qemu64",
            "-m", str(memory), "-smp", str(cpus), "-nographic", "-no-reboot",
            "-kernel", guest, "-append", cmdline,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def _lkvm_argv(binary, guest, cmdline, cpus, memory):
    # Untested here (kvmtool is not in Debian). kvmtool's x86 loader takes a bzImage or
    # a flat binary, so it may refuse the PVH ELF test guest; the warm-up run shows it.
    return [binary, "run", "-k", guest, "-p", cmdline, "-c", str(cpus),
            "-m", str(memory), "--console", "serial"]


def _version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except OSError as e:
        return "unknown (%s)" % e
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def find(nestvisor, qemu, lkvm):
    """All peers, nestvisor first; a peer whose binary is missing gets a skip_reason."""
    peers = [
        Vmm("nestvisor", "nestvisor", nestvisor, _nestvisor_argv, ["--version"],
            required=True),
        Vmm("qemu", "QEMU", qemu, _qemu_argv, ["--version"]),
        Vmm("lkvm", "kvmtool", lkvm, _lkvm_argv, ["version"]),
    ]
    for p in peers:
        path = shutil.which(p.binary) if p.binary else None
        if not path:
            p.skip_reason = "not available (%s not found)" % (p.binary or "binary")
            continue
        p.binary = p.origin = os.path.abspath(path)
        p.version = _version([p.binary] + p.version_args)
    return peers
