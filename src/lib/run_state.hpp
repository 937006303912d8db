// What `warpdrive start` started, for the probes: the server's process and
// the TCP ports it actually listens on (a gunicorn.conf.py bind or a
// full-control server_args port is not WARPDRIVE_HTTP_PORT). start writes
// $APP_ROOT/tmp/warpdrive/run.json while it supervises the server and
// removes it when the server ends; `ready` checks those ports and `alive`
// those processes. Without the file both behave as the original warpdrive's
// probes did (ready: WARPDRIVE_HTTP_PORT accepts; alive: succeed).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

struct Listener {
  std::string address;  // as bound: "0.0.0.0", "::", "127.0.0.1", ...
  uint16_t port = 0;
  bool operator==(const Listener&) const = default;
};

// A process, with its start time so that a reused PID is not mistaken for it.
struct ProcessId {
  pid_t pid = 0;
  unsigned long long start_time = 0;  // /proc/PID/stat field 22
  bool operator==(const ProcessId&) const = default;
};

struct RunState {
  std::string server;               // gunicorn, mod_wsgi, ...; empty for shell and python modes
  ProcessId supervisor;             // warpdrive start
  ProcessId child;                  // the server (or app) it supervises
  std::vector<Listener> listeners;  // empty until the server listens
  // Not empty once the application failed to import in a server that keeps
  // running (see LaunchPlan::failure_file); empty path when there is none.
  fs::path failure_file;
};

// The first line of the failure file, when it is not empty: why the server
// that still runs cannot serve.
std::optional<std::string> recorded_failure(const RunState& state);

fs::path run_state_path(const fs::path& app_root);

std::string render_run_state(const RunState& state);
Result<RunState> parse_run_state(std::string_view json_text);
Result<std::optional<RunState>> load_run_state(const fs::path& app_root);
Status save_run_state(const fs::path& app_root, const RunState& state);
void remove_run_state(const fs::path& app_root);

// The process `pid` as it is now; nullopt when it does not exist or is a zombie.
std::optional<ProcessId> process_id(pid_t pid);
// True when `id` still names the same live process.
bool still_running(const ProcessId& id);

// The TCP ports in LISTEN state held open by `root` or any of its
// descendants, sorted, without duplicates.
std::vector<Listener> listening_ports(pid_t root);

// Parses /proc/net/tcp or tcp6 text: the LISTEN sockets among `inodes`.
std::vector<Listener> parse_proc_net_tcp(std::string_view text, bool ipv6, const std::vector<unsigned long>& inodes);

// start's watch over its server: records the state at once, then looks for
// the server's listening ports (often at first, less often later) and
// records them when they change.
class RunStateWatch {
 public:
  RunStateWatch(fs::path app_root, std::string server, fs::path failure_file = {})
      : app_root_(std::move(app_root)), server_(std::move(server)), failure_file_(std::move(failure_file)) {}
  // Called by the supervision loop while the child runs; returns the
  // milliseconds until the next call, or -1 when no further call is wanted.
  int tick(pid_t child);
  ~RunStateWatch();

 private:
  fs::path app_root_;
  std::string server_;
  fs::path failure_file_;
  std::optional<RunState> state_;
  bool written_ = false;
};

}  // namespace wd
