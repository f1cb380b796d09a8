"""The master and agent the conformance suite starts, and their cleanup."""

import os
import signal
import socket
import subprocess
import time

# ---------------------------------------------------------------------------------------
# The cluster: a master and an agent of our own, on free loopback ports.


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Daemon:
    def __init__(self, name, argv, log_path):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.process = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)

    def wait_for_line(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as text:
                if needle.encode() in text.read():
                    return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def log_tail(self):
        with open(self.log_path, "rb") as text:
            return text.read()[-3000:].decode(errors="replace")

    def stop(self, grace):
        """SIGTERM, then SIGKILL after `grace` seconds: only the process we started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def container_cgroup2_base():
    mount = ("/sys/fs/cgroup/unified" if os.path.exists("/sys/fs/cgroup/unified/cgroup.procs")
             else "/sys/fs/cgroup")
    scope = mount + "/mesos_executors.slice/mesos-containers.scope"
    return scope if os.path.isdir(scope) else mount


def remove_cgroup_tree(root):
    """Kills what is left in the cgroups named `root` (every hierarchy) and removes them."""
    bases = ["/sys/fs/cgroup"]
    try:
        for entry in os.scandir("/sys/fs/cgroup"):
            if entry.is_dir(follow_symlinks=False):
                bases.append(entry.path)
    except OSError:
        pass
    if container_cgroup2_base() not in bases:
        bases.append(container_cgroup2_base())
    dirs = []
    for base in bases:
        top = os.path.join(base, root)
        if os.path.isdir(top):
            for path, _, _ in os.walk(top):
                dirs.append(path)
    for _ in range(100):
        found = False
        for path in dirs:
            try:
                with open(os.path.join(path, "cgroup.procs")) as procs:
                    for pid in procs.read().split():
                        found = True
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except OSError:
                            pass
            except OSError:
                pass
        if not found:
            break
        time.sleep(0.02)
    for path in sorted(dirs, key=len, reverse=True):
        try:
            os.rmdir(path)
        except OSError:
            pass


class Cluster:
    def __init__(self, args, directory):
        self.directory = directory
        self.master_port = free_port()
        self.agent_port = free_port()
        while self.agent_port == self.master_port:
            self.agent_port = free_port()
        self.cgroups_root = f"mesolite-conformance-{os.getpid()}"
        self.master = None
        self.agent = None
        self.master = Daemon("master", [
            args.master, "--ip=127.0.0.1", f"--port={self.master_port}",
            "--hostname=127.0.0.1", "--registry=in_memory", "--allocation_interval=50ms",
            f"--work_dir={directory}/master", f"--log_dir={directory}/master-logs"],
            f"{directory}/master.log")
        if not self.master.wait_for_line("master listening on", 10):
            raise RuntimeError("the master did not start:\n" + self.master.log_tail())
        self.agent = Daemon("agent", [
            args.agent, f"--master=127.0.0.1:{self.master_port}", "--ip=127.0.0.1",
            f"--port={self.agent_port}", "--hostname=127.0.0.1",
            f"--work_dir={directory}/work", f"--runtime_dir={directory}/run",
            f"--launcher_dir={args.launcher_dir}", f"--cgroups_root={self.cgroups_root}",
            "--attributes=rack:r1;zone:west",
            "--resources=cpus:4;mem:2048;disk:1024;ports:[31000-31100]"],
            f"{directory}/agent.log")
        if not self.agent.wait_for_line("subscribed to the master", 15):
            raise RuntimeError("the agent did not register:\n" + self.agent.log_tail())

    def stop(self):
        if self.agent:
            self.agent.stop(10)
        remove_cgroup_tree(self.cgroups_root)
        if self.master:
            self.master.stop(10)
