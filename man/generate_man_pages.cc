// Writes Mesolite's man pages into a directory: mesos-agent(8), mesos-master(8),
// mesos-execute(1) and mesos(1) with their options taken from the very FlagSets that
// parse them, plus mesos-init-wrapper(8) and mesolite-isolators(7).
//
//   generate-man-pages OUTDIR
#include <fstream>
#include <iostream>
#include <string>

#include "agent/agent_flags.h"
#include "cli/execute.h"
#include "cli/ps.h"
#include "cli/task_files.h"
#include "common/man_page.h"
#include "master-lite/master_flags.h"

using mesolite::ManPage;

namespace {

ManPage agentPage() {
  ManPage page;
  page.name = "mesos-agent";
  page.section = 8;
  page.summary = "Mesolite's agent: runs tasks for a Mesos master in hardened containers";
  page.synopsis =
      "mesos-agent --master=HOST:PORT --work_dir=DIR [OPTION]...\n"
      "mesos-slave --master=HOST:PORT --work_dir=DIR [OPTION]...";
  page.sections = {
      {"DESCRIPTION",
       {"mesos-agent registers with a Mesos master (Mesolite's or Apache Mesos's v1 API), "
        "offers the node's resources and runs the tasks frameworks launch on them. Each "
        "task runs in its own container set up by mesos-containerizer (installed in "
        "/usr/libexec/mesos): cgroups on v1, v2 and hybrid hosts, its own namespaces, a "
        "PID-1 init, and the hardening of mesolite-isolators(7).",
        "Containers outlive the agent: after a restart (systemctl restart, a crash, an "
        "upgrade) the agent recovers them from --work_dir and --runtime_dir "
        "(--recover=reconnect) and their frameworks keep getting their updates.",
        "The agent serves Mesos's agent endpoints on --port: /api/v1 (the operator API, "
        "LAUNCH_CONTAINER included), /state, /flags, /health, /monitor/statistics, "
        "/files/*, and /containers, whose isolation field shows what really confines each "
        "task, read from the kernel (seccomp, no_new_privs, capabilities, namespaces, "
        "cgroup limits and OOM and throttling figures).",
        "Every option below is Mesos's, with Mesos's meaning. An option Mesos has that "
        "this build cannot honour stops the agent at start with a message naming it, "
        "unless it is left at its default: nothing is accepted and silently ignored."}},
      {"FILES",
       {"/var/lib/mesos: the default --work_dir (sandboxes, checkpoints).",
        "/var/run/mesos: the default --runtime_dir (container state, compiled seccomp "
        "filters).",
        "/etc/mesos-slave/NAME: one file per option, read by mesos-init-wrapper(8) when "
        "the agent runs as the mesos-slave (mesos-agent) systemd unit."}},
      {"SYSTEMD",
       {"On a systemd host (--systemd_enable_support, detected by "
        "--systemd_runtime_directory) with cgroup v2 or a hybrid layout, containers do not "
        "live in the agent's unit: the agent asks systemd over D-Bus for "
        "mesos-containers.scope in mesos_executors.slice, delegated to it, and puts each "
        "container's cgroups below it, e.g. /sys/fs/cgroup/mesos_executors.slice/"
        "mesos-containers.scope/mesos/ID. A holder process (mesos-containerizer "
        "--hold-scope) keeps the scope while no container runs.",
        "systemctl stop mesos-slave or restart mesos-slave ends the agent alone (the unit "
        "has KillMode=process, as Mesosphere's had): the tasks keep running and the next "
        "agent recovers them. systemctl stop mesos_executors.slice ends every task."}},
      {"EXIT STATUS",
       {"0 after a clean stop (SIGTERM, SIGINT); 1 when it cannot start: a bad option "
        "(named, with the file it came from), a host that lacks what --isolation needs, "
        "a work directory it cannot use, a systemd that does not give the containers "
        "their scope."}},
      {"EXAMPLES",
       {"A single-node agent with the hardened default isolation:",
        "  mesos-agent --master=127.0.0.1:5050 --work_dir=/var/lib/mesos",
        "Following the leading master of a ZooKeeper group:",
        "  mesos-agent --master=zk://zk1:2181,zk2:2181,zk3:2181/mesos --work_dir=/var/lib/mesos",
        "User namespaces on top of the default:",
        "  mesos-agent --master=127.0.0.1:5050 --work_dir=/var/lib/mesos \\\n"
        "    --isolation=cgroups/cpu,cgroups/mem,cgroups/pids,cgroups/devices,\\\n"
        "namespaces/pid,namespaces/ipc,namespaces/uts,filesystem/linux,\\\n"
        "linux/capabilities,linux/nnp,linux/seccomp,posix/rlimits,namespaces/user"}},
      {"SEE ALSO",
       {"mesos-master(8), mesos-execute(1), mesos(1), mesos-init-wrapper(8), "
        "mesolite-isolators(7)"}},
  };
  return page;
}

ManPage masterPage() {
  ManPage page;
  page.name = "mesos-master";
  page.section = 8;
  page.summary = "Mesolite's master: offers agents' resources to frameworks";
  page.synopsis = "mesos-master [--ip=IP] [--port=5050] [OPTION]...";
  page.sections = {
      {"DESCRIPTION",
       {"mesos-master admits agents, allocates their resources to frameworks by Dominant "
        "Resource Fairness and sends them as offers through Mesos's v1 scheduler API "
        "(/api/v1/scheduler). Operators use the v1 operator API (/api/v1) and Mesos's "
        "endpoints (/master/state, /master/state-summary, /master/frameworks, "
        "/master/slaves, /master/tasks, /metrics/snapshot, /health, /version). The web UI "
        "is at / and reads a few endpoints of the agents through the master, at "
        "/agent/AGENT_ID/ENDPOINT (/files/browse, /files/read, /files/download, "
        "/monitor/statistics, /containers, /state, /flags; GET only, the client's "
        "Authorization forwarded to the agent).",
        "Every option below is Mesos's, with Mesos's meaning. An option this build cannot "
        "honour (for example authentication, until it exists) stops the master at start "
        "with a message naming it, unless it is left at its default."}},
      {"FILES",
       {"/etc/mesos-master/NAME and /etc/mesos/zk: read by mesos-init-wrapper(8) when the "
        "master runs as the mesos-master systemd unit."}},
      {"EXIT STATUS", {"0 after a clean stop; 1 when it cannot start (the reason is printed)."}},
      {"SEE ALSO", {"mesos-agent(8), mesos-execute(1), mesos(1), mesos-init-wrapper(8)"}},
  };
  return page;
}

ManPage executePage() {
  ManPage page;
  page.name = "mesos-execute";
  page.section = 1;
  page.summary = "run one task (or a task group) on a Mesos cluster";
  page.synopsis =
      "mesos-execute --master=HOST:PORT --name=NAME --command=COMMAND [OPTION]...\n"
      "mesos-execute --master=HOST:PORT --task=FILE [OPTION]...";
  page.sections = {
      {"DESCRIPTION",
       {"mesos-execute registers a framework with the master, waits for an offer that "
        "holds --resources, launches the task on it and prints its status updates until "
        "it ends. Its exit status is 0 when the task finished, 1 otherwise. It speaks the "
        "v1 scheduler API, like Mesos's own mesos-execute, and takes the same options."}},
      {"EXAMPLES",
       {"  mesos-execute --master=127.0.0.1:5050 --name=hello \\\n"
        "    --command='echo hello' --resources='cpus:0.1;mem:32'"}},
      {"SEE ALSO", {"mesos(1), mesos-master(8), mesos-agent(8)"}},
  };
  return page;
}

ManPage mesosPage() {
  ManPage page;
  page.name = "mesos";
  page.section = 1;
  page.summary = "the Mesos command line: mesos ps, mesos cat, mesos tail, mesos execute, ...";
  page.synopsis = "mesos COMMAND [OPTION]...\nmesos help\nmesos --version";
  page.sections = {
      {"DESCRIPTION",
       {"mesos runs mesos-COMMAND for `mesos COMMAND`, found beside mesos itself first, "
        "then on PATH, as Mesos's mesos script does. `mesos help` lists the commands.",
        "mesos ps lists the running tasks of a cluster as Mesos's mesos-ps does: USER, "
        "FRAMEWORK, TASK, SLAVE, MEM (used/limit), TIME (CPU) and CPU (allocated), from the "
        "master's /master/state and each agent's /monitor/statistics. Its options are "
        "below. mesos execute is mesos-execute(1); mesos cat and mesos tail are mesos-cat(1) "
        "and mesos-tail(1); mesos resolve is mesos-resolve(1)."}},
      {"SEE ALSO",
       {"mesos-execute(1), mesos-cat(1), mesos-tail(1), mesos-resolve(1), mesos-master(8), "
        "mesos-agent(8)"}},
  };
  return page;
}

ManPage resolvePage() {
  ManPage page;
  page.name = "mesos-resolve";
  page.section = 1;
  page.summary = "print the leading master's HOST:PORT";
  page.synopsis = "mesos-resolve [--timeout=5] [--verbose] MASTER";
  page.sections = {
      {"DESCRIPTION",
       {"Prints the leading master's HOST:PORT, as Mesos's mesos-resolve does. MASTER is "
        "zk://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/PATH, the ZooKeeper group the masters "
        "elect their leader in (the leader is the member whose json.info_ znode has the "
        "lowest sequence number), or a master as HOST:PORT or http://HOST:PORT, which is "
        "asked which master leads (a follower names its leader). Also run as "
        "`mesos resolve`."}},
      {"EXIT STATUS",
       {"0 with the leader printed; 1 when no leader is found within --timeout (an empty "
        "group, ZooKeeper unreachable, a master that does not answer) or MASTER is "
        "malformed."}},
      {"EXAMPLES", {"  mesos-resolve $(cat /etc/mesos/zk)", "  mesos resolve 127.0.0.1:5050"}},
      {"SEE ALSO", {"mesos(1), mesos-master(8)"}},
  };
  return page;
}

ManPage taskFilePage(bool tail) {
  ManPage page;
  page.name = tail ? "mesos-tail" : "mesos-cat";
  page.section = 1;
  page.summary = tail ? "follow a task's sandbox file (stdout, stderr, ...) through its agent"
                      : "print a task's sandbox file (stdout, stderr, ...) through its agent";
  page.synopsis = page.name + " --master=HOST:PORT --framework=ID --task=ID [--file=stdout]" +
                  (tail ? " [--no-follow]" : "");
  page.sections = {
      {"DESCRIPTION",
       {"Finds the task in the master's /master/state (running or completed, of an active or "
        "completed framework), its executor's directory in its agent's /state, and reads "
        "the file through the agent's /files/read, as Mesos's " +
            page.name + " does. Also run as `mesos " + (tail ? "tail" : "cat") + "`.",
        tail ? "mesos-tail polls for more every half second and stops once the task has "
               "ended and everything it wrote is printed (Mesos's mesos-tail polls forever)."
             : "mesos-cat prints the whole file as it is now and exits.",
        "The agent serves only what lies inside the sandbox: a path with '..', or a symlink "
        "the task planted that leads outside, is refused (400)."}},
      {"EXAMPLES",
       {"  mesos " + std::string(tail ? "tail" : "cat") +
        " --master=127.0.0.1:5050 --framework=F --task=hello --file=stderr"}},
      {"SEE ALSO", {"mesos(1), mesos-execute(1), mesos-agent(8)"}},
  };
  return page;
}

ManPage initWrapperPage() {
  ManPage page;
  page.name = "mesos-init-wrapper";
  page.section = 8;
  page.summary = "start mesos-master or mesos-agent from /etc/mesos-* configuration";
  page.synopsis = "mesos-init-wrapper [--dry-run] master|slave|agent";
  page.sections = {
      {"DESCRIPTION",
       {"The systemd units mesos-master.service and mesos-slave.service start the daemons "
        "through this wrapper, which reads the configuration layout of Mesosphere's "
        "packages, so that an existing /etc keeps working:",
        "/etc/default/mesos, /etc/default/mesos-master, /etc/default/mesos-slave: shell "
        "files read with allexport. MESOS_NAME variables reach the daemon as options; "
        "MASTER, ZK, IP, PORT, CLUSTER, LOGS and ISOLATION give --master, --zk, --ip, "
        "--port, --cluster, --log_dir and --isolation; ULIMIT is passed to ulimit (for "
        "example ULIMIT=\"-n 16384\").",
        "/etc/mesos/zk: the master's --zk and the agent's --master, unless an option file "
        "or a variable gives them.",
        "/etc/mesos-master/NAME, /etc/mesos-slave/NAME (also /etc/mesos-agent/NAME): one "
        "file per option, --NAME=contents. A file named ?NAME is the bare option --NAME "
        "(for example ?no-switch_user). The files of the folders attributes/ and "
        "resources/ are joined into --attributes=KEY:VALUE;... and "
        "--resources=KEY:VALUE;... .",
        "Option files reach the daemon as --NAME=file:///etc/mesos-slave/NAME: a file that "
        "names an unknown option, or holds a bad value, stops the daemon (and its unit) "
        "with a message naming the file. The same option given twice stops it naming both "
        "places. Editor and package-manager leftovers (*~, *.dpkg-old, *.rpmnew, ...) are "
        "skipped with a warning."}},
      {"OPTIONS",
       {"--dry-run prints the command the wrapper would run, and exits.",
        "INIT_WRAPPER_SYSCONFDIR (default /etc) and INIT_WRAPPER_SBINDIR (default /usr/sbin) "
        "move what the wrapper reads and runs, for tests and unusual layouts."}},
      {"SEE ALSO", {"mesos-agent(8), mesos-master(8), systemctl(1)"}},
  };
  return page;
}

ManPage isolatorsPage() {
  ManPage page;
  page.name = "mesolite-isolators";
  page.section = 7;
  page.summary = "how Mesolite isolates and hardens tasks, and how to change it";
  page.synopsis = "mesos-agent --isolation=ISOLATOR[,ISOLATOR]...";
  page.sections = {
      {"DESCRIPTION",
       {"The agent's --isolation names Mesos's isolators. Unknown names, and Mesos names "
        "this build does not implement, stop the agent at start; so does a host that lacks "
        "what a named isolator needs. Container fields no enabled isolator honours "
        "(share_pid_namespace, volumes, images, capabilities without linux/capabilities, "
        "...) are refused by name at launch.",
        "The default is hardened: cgroups/cpu, cgroups/mem, cgroups/pids, cgroups/devices, "
        "namespaces/pid, namespaces/ipc, namespaces/uts, filesystem/linux, "
        "linux/capabilities, linux/nnp, linux/seccomp, posix/rlimits."}},
      {"CGROUPS",
       {"cgroups/cpu (shares or weight; a CFS quota with --cgroups_enable_cfs), cgroups/mem "
        "(the limit; swap with --cgroups_limit_swap; an OOM kill is reported as "
        "REASON_CONTAINER_LIMITATION_MEMORY), cgroups/pids (a pids resource, else 4096), "
        "cgroups/devices (Mesos's allow-list: null, zero, full, random, urandom, tty, "
        "pts/ptmx), cgroups/cpuset, cgroups/blkio, cgroups/io, cgroups/hugetlb, "
        "cgroups/net_cls, cgroups/perf_event, cgroups/all. On cgroup v1, v2 and hybrid "
        "hosts. A task cannot change its own limits or leave its cgroups: /sys/fs/cgroup is "
        "read-only to it."}},
      {"MESOS'S POSIX ISOLATORS",
       {"posix/cpu and posix/mem (Mesos's default isolation, also named process) limit "
        "nothing: they report the cpu time and resident memory of the task's process tree, "
        "read from /proc, in /monitor/statistics. The agent warns at start when they stand "
        "without cgroups/cpu and cgroups/mem, which do limit.",
        "disk/du (also posix/disk) measures each sandbox every "
        "--container_disk_watch_interval (allocated blocks, hard links once, symlinks not "
        "followed, other filesystems not entered), off the agent's event loop, and reports "
        "disk_used_bytes and disk_limit_bytes. With --enforce_container_disk_quota a "
        "container whose sandbox outgrows its disk resource ends TASK_FAILED with "
        "REASON_CONTAINER_LIMITATION_DISK, \"Disk usage (NMB) exceeds quota (NMB)\"."}},
      {"NAMESPACES",
       {"namespaces/pid: the task's own pid namespace and /proc, under a PID-1 init that "
        "forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 and reaps orphans. "
        "namespaces/ipc (with a private /dev/shm), namespaces/uts (hostname). A container "
        "whose network is named none gets a network namespace with loopback only.",
        "namespaces/user (off by default: it changes what tasks can do): each container's "
        "ids 0-65535 are a block of host ids from --user_namespace_id_range that no other "
        "running container holds. Container root owns its sandbox and nothing of the host: "
        "/etc/shadow stays unreadable even with no mask over it. The sandbox is handed back "
        "(owner restored, mode 0750) when the container ends. --work_dir must be searchable "
        "by others (o+x)."}},
      {"HARDENING",
       {"linux/seccomp: an allow-list compiled with libseccomp, at least as strict as "
        "Docker's default: keyctl, add_key, request_key, userfaultfd and kexec never; mount, "
        "umount, pivot_root, unshare, setns, bpf, perf_event_open and the namespace flags of "
        "clone only with CAP_SYS_ADMIN; clone3 answers ENOSYS. Docker-format profiles come "
        "from --seccomp_config_dir; --seccomp_profile_name picks the default; tasks pick "
        "with LinuxInfo.seccomp.profile_name; LinuxInfo.seccomp.unconfined is refused "
        "unless --seccomp_allow_unconfined.",
        "linux/capabilities: root tasks get Docker's default set without NET_RAW, other "
        "users none; --effective_capabilities and --bounding_capabilities change that, and "
        "a task asking for a capability outside the bounding set is refused naming it.",
        "linux/nnp: no_new_privs.",
        "filesystem/linux: the host's root read-only, a private /tmp, the sandbox "
        "writable at its path and at /mnt/mesos/sandbox (--sandbox_directory), "
        "--work_dir and --runtime_dir invisible but for the task's own sandbox, runc's "
        "masked and read-only /proc and /sys paths, and the host's secrets masked "
        "(/etc/shadow, /etc/gshadow, /root, SSH host keys, --masked_paths). Mesos shares "
        "the host's filesystem read-write: a role whose tasks must write the host opts out "
        "with --filesystem_writable_roles; the rest still holds for it.",
        "Always: the launcher runs from a sealed copy a task cannot rewrite, every fd above "
        "2 is closed before exec, TASK_RUNNING is sent only once the command has exec'ed."}},
      {"SEE ALSO", {"mesos-agent(8)"}},
  };
  return page;
}

bool write(const std::string& directory, const ManPage& page, const mesolite::FlagSet* flags) {
  const std::string path = directory + "/" + page.name + "." + std::to_string(page.section);
  std::ofstream out(path);
  out << mesolite::renderManPage(page, flags);
  out.close();
  if (!out) {
    std::cerr << "generate-man-pages: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: generate-man-pages OUTDIR\n";
    return 2;
  }
  const std::string out = argv[1];
  mesolite::agent::AgentFlags agent;
  mesolite::master::MasterFlags master;
  mesolite::cli::ExecuteFlags execute;
  mesolite::cli::PsFlags ps;
  mesolite::cli::TaskFileFlags cat(false);
  mesolite::cli::TaskFileFlags tail(true);
  mesolite::cli::ResolveFlags resolve;
  const bool ok = write(out, agentPage(), &agent.set) && write(out, masterPage(), &master.set) &&
                  write(out, executePage(), &execute.set) && write(out, mesosPage(), &ps.set) &&
                  write(out, taskFilePage(false), &cat.set) &&
                  write(out, taskFilePage(true), &tail.set) &&
                  write(out, resolvePage(), &resolve.set) &&
                  write(out, initWrapperPage(), nullptr) && write(out, isolatorsPage(), nullptr);
  if (!ok) return 1;
  // mesos-slave is the agent under its old name; mesos-ps is `mesos ps`.
  std::ofstream(out + "/mesos-slave.8") << ".so man8/mesos-agent.8\n";
  std::ofstream(out + "/mesos-ps.1") << ".so man1/mesos.1\n";
  return 0;
}
