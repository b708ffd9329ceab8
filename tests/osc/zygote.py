# tests/osc/zygote.py SOCKET - the real openstack CLI, started once per test
# run instead of once per command.
#
# Why: each `openstack` command costs 2-3 s of CPU before it sends a
# request (the interpreter, ~700 plugin modules, entry-point scans), and
# the test tiers run about a thousand of them: on CI's two cores that was
# the larger part of the run. This process imports the client and every
# plugin once, then for each command of tests/osc/openstack (the shim on
# the tiers' PATH) forks a child that runs openstackclient.shell.main with
# the caller's argv, environment, working directory, standard fds and
# network namespace. The client's code is the packaged one, unchanged, and
# each command starts from the same pristine state, as a new process would.
#
# Protocol (one command per connection): the shim sends one message, a
# JSON object {"argv", "env", "cwd", "netns"} with SCM_RIGHTS fds: its
# stdin, stdout, stderr and, when "netns" is true, its network namespace.
# The zygote answers with two native ints: the command's pid, then its
# exit code (negative: killed by that signal). When the shim goes away
# first (timeout killed it), the command is killed too.
import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys

sys.argv[0] = "/usr/bin/openstack"  # what the CLI calls itself in --help
import openstackclient.shell as shell  # noqa: E402

CLONE_NEWNET = 0x40000000


def warm():
    """Import every plugin the CLI may load, so a command only runs."""
    from importlib.metadata import distributions
    for dist in distributions():
        for ep in dist.entry_points:
            # the client's own groups only: e.g. oslo.config.opts would
            # import server packages (keystone's turns on oslo_i18n's lazy
            # messages, which the CLI's error paths cannot add to strings)
            if ep.group.split(".")[0] in ("openstack", "keystoneauth1", "cliff"):
                try:
                    ep.load()
                except Exception:  # a plugin the CLI cannot load either
                    pass
    # What every command computes again from the installed packages: the
    # module -> distribution map of cliff's help epilog (it parses every
    # package's metadata) and stevedore's entry-point index. The same
    # answers a new process would get, computed once.
    import cliff.command
    import stevedore._cache
    cliff.command._get_distributions_by_modules()
    stevedore._cache.get_group_all("openstack.cli")
    import oslo_i18n._lazy
    oslo_i18n._lazy.USE_LAZY = False  # as in a new process, whatever a plugin did


def run_command(req, fds):
    """In the command's process: become the caller, run the CLI, exit."""
    for i in range(3):
        os.dup2(fds[i], i)
    if req.get("netns"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fds[3], CLONE_NEWNET) != 0:
            print("osc zygote: setns: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
            os._exit(125)
    for fd in fds:
        os.close(fd)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    rc = 1
    try:
        rc = shell.main(req["argv"])
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(rc or 0)


def serve_one(conn):
    """In a per-connection process: start the command, report its end."""
    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
    req = json.loads(msg)
    pid = os.fork()
    if pid == 0:
        conn.close()
        run_command(req, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(struct.pack("i", pid))
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([conn, pidfd], [], [])
    if conn in ready and pidfd not in ready:
        os.kill(pid, signal.SIGKILL)  # the caller is gone: so is its command
    _, status = os.waitpid(pid, 0)
    try:
        conn.sendall(struct.pack("i", os.waitstatus_to_exitcode(status)))
    except OSError:
        pass


def main():
    path = sys.argv[1]
    warm()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".new")
    os.chmod(path + ".new", 0o600)
    srv.listen(64)
    os.rename(path + ".new", path)  # ready: the socket appears only now
    while True:
        while True:  # reap the per-connection processes that ended
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        conn, _ = srv.accept()
        if os.fork() == 0:
            srv.close()
            try:
                serve_one(conn)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    main()
