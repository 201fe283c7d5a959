# Sift sandbox launcher (Linux). Started by PythonSandbox as: python3 -I -S -c <this text>.
#
# stdin: one JSON line of settings, then the program's source (UTF-8).
# Process tree:
#   L  this process: host namespaces, the caller's uid. New session; creates the namespaces; enforces the wall
#      clock; afterwards kills whatever the program left behind; exits 0.
#   I  its child: pid 1 of a new pid namespace when namespaces are on. Private mounts (a tmpfs over /tmp and the
#      other world-writable directories, a fresh /proc); reaps orphans; records the program's exit status.
#   P  I's child: resource limits, an unprivileged uid, no_new_privs, then exec python3 main.py.
# When I exits the kernel kills everything left in its pid namespace; without namespaces L (a child subreaper)
# kills its remaining descendants and, as root, every process of the sandbox uid.
# Results are JSON lines in the status file named in the settings (opened before the program exists, in a
# directory the sandbox uid cannot enter).
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x8000000, 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 1  # x86-64 and arm64 share 442
# World-writable directories besides /tmp; in a mount namespace they all show the run's tmpfs.
SHARED_DIRS = ("/var/tmp", "/dev/shm", "/run/lock")

libc = ctypes.CDLL(None, use_errno=True)


class Cancelled(Exception):
    pass


def call(name, *args):
    if getattr(libc, name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")


def prctl(option, value):
    call("prctl", ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()
    call("mount", enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def make_root_private_readonly():
    """Every mount read-only and private (mount_setattr, Linux 5.12+); False when only privacy could be had."""
    attr = MountAttr(MOUNT_ATTR_RDONLY, 0, MS_PRIVATE, 0)
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), b"/", ctypes.c_uint(AT_RECURSIVE),
                      ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
    if rc == 0:
        return True
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    return False


def write_status(fd, **fields):
    os.write(fd, (json.dumps(fields) + "\n").encode())


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---- P: the program -------------------------------------------------------------------------------------------
def program(cfg, workdir, parent, report):
    try:
        os.chdir(workdir)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        lim = cfg["limits"]
        # Hard limits equal soft limits so the program cannot raise them; CPU gets one second of grace so
        # SIGXCPU (catchable) comes first and SIGKILL after.
        if lim.get("cpu"):
            resource.setrlimit(resource.RLIMIT_CPU, (lim["cpu"], lim["cpu"] + 1))
        for key, res in (("as", resource.RLIMIT_AS), ("fsize", resource.RLIMIT_FSIZE),
                         ("nproc", resource.RLIMIT_NPROC), ("nofile", resource.RLIMIT_NOFILE)):
            if lim.get(key):
                resource.setrlimit(res, (lim[key], lim[key]))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        uid, gid = cfg.get("uid"), cfg.get("gid")
        if uid is not None:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        # Set after the uid change (which clears it); then make sure the parent did not die in between.
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(125)
        python = cfg["python"]
        os.execve(python, [python, "-I", "-B", "main.py"], cfg["env"])
    except BaseException as e:  # noqa: BLE001 - everything is a set-up failure here
        os.write(report, f"program set-up: {type(e).__name__}: {e}".encode())
    os._exit(125)


# ---- I: pid 1 of the run's namespaces (or a plain waiter without them) ----------------------------------------
def init(cfg, code, status, report):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    uid, gid = cfg.get("uid"), cfg.get("gid")
    if cfg["namespaces"]:
        # Nothing mounted here propagates back to the host, and the program can write only to its tmpfs.
        if not make_root_private_readonly():
            write_status(status, note="the filesystem outside /tmp is not read-only (no mount_setattr)")
        opts = f"size={cfg['tmpfs_bytes']},mode=0700"
        if uid is not None:
            opts += f",uid={uid},gid={gid}"
        mount("sift-sandbox", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts)
        for d in SHARED_DIRS:
            if os.path.isdir(d) and not os.path.islink(d):
                mount("/tmp", d, None, MS_BIND)
        try:
            # A /proc of this pid namespace: the host's processes (and their command lines) are invisible.
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError as e:
            write_status(status, note=f"host /proc stays visible ({e.strerror})")
        workdir = "/tmp"
    else:
        workdir = cfg["workdir"]
        os.mkdir(workdir, 0o700)
        if uid is not None:
            os.chown(workdir, uid, gid)
    path = os.path.join(workdir, "main.py")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    os.write(fd, code)
    os.close(fd)
    if uid is not None:
        os.chown(path, uid, gid)
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        program(cfg, workdir, me, report)
    # Reap everything reparented to us until the program itself exits.
    while True:
        wpid, wst, ru = os.wait4(-1, 0)
        if wpid == pid:
            break
    fields = {"cpu": round(ru.ru_utime + ru.ru_stime, 3), "maxrss_kb": ru.ru_maxrss}
    if os.WIFSIGNALED(wst):
        fields["signal"] = os.WTERMSIG(wst)
    else:
        fields["exit"] = os.WEXITSTATUS(wst)
    write_status(status, **fields)


# ---- L: the launcher ---------------------------------------------------------------------------------------------
def children_of(pid):
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may contain spaces and parentheses.
            rest = stat[stat.rfind(b")") + 2:].split()
            if len(rest) > 1 and int(rest[1]) == pid and rest[0] != b"Z":
                kids.append(int(name))
    return kids


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def kill_leftovers(uid):
    """Without a pid namespace: kill what the program left running (orphans are reparented to us)."""
    for _ in range(200):
        if uid is not None:
            # As the sandbox uid (leased to this run alone), kill(-1) reaches every process it owns.
            pid = os.fork()
            if pid == 0:
                try:
                    os.setresuid(uid, uid, uid)
                    for _ in range(100):
                        os.kill(-1, signal.SIGKILL)
                        time.sleep(0.001)
                except OSError:
                    pass
                os._exit(0)
            os.waitpid(pid, 0)
        kids = children_of(os.getpid())
        if not kids:
            return
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)
        reap()


def wait_for(pid, seconds, state):
    """Waits for pid to exit; returns None, 'timeout' or 'cancelled' (pid still running)."""
    deadline = time.monotonic() + seconds
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    state["waiting"] = True
    try:
        if state["cancelled"]:
            return "cancelled"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            if fd is not None:
                if select.select([fd], [], [], left)[0]:
                    return None
            else:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return None
                time.sleep(min(left, 0.002))
    except Cancelled:
        return "cancelled"
    finally:
        state["waiting"] = False


def main():
    state = {"cancelled": False, "waiting": False}

    def on_term(signum, frame):
        state["cancelled"] = True
        if state["waiting"]:
            raise Cancelled()

    signal.signal(signal.SIGTERM, on_term)
    raw = sys.stdin.buffer.read()
    head, _, code = raw.partition(b"\n")
    cfg = json.loads(head)
    status = os.open(cfg["status"], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    os.setsid()
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    if cfg["namespaces"]:
        try:
            flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
            uid, gid = os.getuid(), os.getgid()
            if cfg["userns"]:
                call("unshare", ctypes.c_int(flags | CLONE_NEWUSER))
                write_file("/proc/self/setgroups", "deny")
                write_file("/proc/self/uid_map", f"{uid} {uid} 1")
                write_file("/proc/self/gid_map", f"{gid} {gid} 1")
            else:
                call("unshare", ctypes.c_int(flags))
        except OSError as e:
            write_status(status, setup_error=f"namespaces: {e.strerror or e}")
            return
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        try:
            init(cfg, code, status, report_w)
        except BaseException as e:  # noqa: BLE001
            try:
                os.write(report_w, f"sandbox set-up: {type(e).__name__}: {e}".encode())
            except OSError:
                pass
            os._exit(125)
        os._exit(0)
    os.close(report_w)
    reason = wait_for(pid, cfg["timeout"], state)
    if reason is not None:
        os.kill(pid, signal.SIGKILL)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.waitpid(pid, 0)
    if reason is not None:
        write_status(status, killed=reason)
    os.set_blocking(report_r, False)
    try:
        err = os.read(report_r, 4096)
    except BlockingIOError:
        err = b""
    if err:
        write_status(status, setup_error=err.decode("utf-8", "replace"))
    if not cfg["namespaces"]:
        # (With namespaces the kernel has already killed the pid namespace with its init, and forking into it
        # would fail with ENOMEM.)
        try:
            kill_leftovers(cfg.get("uid"))
        except OSError as e:
            write_status(status, note=f"clean-up incomplete: {e}")
    write_status(status, done=True)


main()
