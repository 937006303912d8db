#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "log.hpp"
#include "shell.hpp"

namespace wd {

Result<fs::path> find_program(const std::string& name, const EnvVars& env) {
  if (name.empty()) return make_error("empty command name", kExitNotFound);
  auto check = [&](const fs::path& p) -> Result<fs::path> {
    if (::access(p.c_str(), X_OK) == 0 && !is_dir(p)) return p;
    return make_error(fmt::format("{}: {}", name, is_dir(p) ? "is a directory" : "permission denied"),
                      kExitNotExecutable);
  };
  if (name.find('/') != std::string::npos) {
    if (!path_exists(name)) return make_error(fmt::format("{}: no such file or directory", name), kExitNotFound);
    return check(name);
  }
  std::string path = env.get_or("PATH", "/usr/local/bin:/usr/bin:/bin");
  std::optional<fs::path> not_executable;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    fs::path candidate = fs::path(dir) / name;
    if (is_file(candidate)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (!not_executable) not_executable = candidate;
    }
    start = end + 1;
  }
  if (not_executable) return check(*not_executable);
  return make_error(fmt::format("{}: command not found", name), kExitNotFound);
}

int shell_exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitFailure;
}

void trace_command(const std::vector<std::string>& argv) {
  std::string line = mask_credentials("+ " + shell_words(argv)) + "\n";
  // One write, so traces from concurrent processes do not interleave.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

namespace {

// Runs in the child between fork and exec: nothing here may allocate.
[[noreturn]] void child_exec(const char* path, char** argv, char** envp, const char* cwd,
                             const std::vector<Redirect>& redirects, bool new_process_group, int parent_death_signal,
                             pid_t parent, int error_pipe) {
  if (parent_death_signal) {
    ::prctl(PR_SET_PDEATHSIG, parent_death_signal, 0, 0, 0);
    if (::getppid() != parent) _exit(128 + parent_death_signal);  // the parent died before prctl
  }
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
      sa.sa_handler = SIG_DFL;
      sigaction(sig, &sa, nullptr);
    }
  }
  if (new_process_group) {
    ::setpgid(0, 0);
    if (::isatty(STDIN_FILENO)) {
      // Take the terminal; a background group would get SIGTTOU for that.
      (void)::signal(SIGTTOU, SIG_IGN);
      ::tcsetpgrp(STDIN_FILENO, ::getpid());
      (void)::signal(SIGTTOU, SIG_DFL);
    }
  }
  for (const auto& r : redirects) {
    if (r.child_fd == r.parent_fd) {
      int flags = fcntl(r.child_fd, F_GETFD);
      if (flags >= 0) fcntl(r.child_fd, F_SETFD, flags & ~FD_CLOEXEC);
    } else if (dup2(r.parent_fd, r.child_fd) < 0) {
      int err = errno;
      [[maybe_unused]] auto n = write(error_pipe, &err, sizeof err);
      _exit(127);
    }
  }
  if (cwd && chdir(cwd) != 0) {
    int err = -errno;  // negative: the chdir failed, not the exec
    [[maybe_unused]] auto n = write(error_pipe, &err, sizeof err);
    _exit(127);
  }
  execve(path, argv, envp);
  int err = errno;
  [[maybe_unused]] auto n = write(error_pipe, &err, sizeof err);
  _exit(err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

struct Prepared {
  fs::path program;
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;
  EnvVars::Envp envp;
};

Result<Prepared> prepare(const ProcessSpec& spec) {
  if (spec.argv.empty()) return make_error("no command given", kExitUsage);
  Prepared p;
  WD_ASSIGN(p.program, find_program(spec.argv[0], spec.env));
  p.argv_storage = spec.argv;
  for (auto& a : p.argv_storage) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  p.envp = spec.env.to_envp();
  if (spec.trace) trace_command(spec.argv);
  return p;
}

}  // namespace

Result<pid_t> spawn(const ProcessSpec& spec) {
  WD_ASSIGN(auto p, prepare(spec));
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return make_error(fmt::format("pipe: {}", errno_text(errno)));
  std::string cwd = spec.cwd.string();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return make_error(fmt::format("cannot start {}: {}", spec.argv[0], errno_text(err)));
  }
  if (pid == 0)
    child_exec(p.program.c_str(), p.argv.data(), p.envp.data(), cwd.empty() ? nullptr : cwd.c_str(), spec.redirects,
               spec.new_process_group, spec.parent_death_signal, parent, pipefd[1]);
  if (spec.new_process_group) ::setpgid(pid, pid);  // also here: no race with kill(-pid)
  ::close(pipefd[1]);
  int child_errno = 0;
  ssize_t n;
  do n = ::read(pipefd[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (child_errno < 0)
      return make_error(fmt::format("cannot change to directory {}: {}", cwd, errno_text(-child_errno)));
    return make_error(fmt::format("cannot execute {}: {}", p.program.string(), errno_text(child_errno)),
                      child_errno == ENOENT ? kExitNotFound : kExitNotExecutable);
  }
  return pid;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

// Every descendant of this process (from /proc: children, theirs, ...).
struct Descendant {
  pid_t pid;
  bool zombie;
};
std::vector<Descendant> descendants(pid_t root = ::getpid()) {
  std::multimap<pid_t, Descendant> by_parent;
  DIR* proc = ::opendir("/proc");
  if (!proc) return {};
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::string path = std::string("/proc/") + entry->d_name + "/stat";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid ...": comm may hold anything, so look from the last ')'.
    const char* paren = std::strrchr(buf, ')');
    // ") S 123 ...": the state, then the parent's pid.
    if (!paren || paren[1] != ' ' || paren[2] == '\0' || paren[3] != ' ') continue;
    char state = paren[2];
    pid_t ppid = 0, pid = 0;
    std::string_view rest(paren + 4), name(entry->d_name);
    if (std::from_chars(rest.data(), rest.data() + rest.size(), ppid).ec != std::errc() ||
        std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc())
      continue;
    by_parent.emplace(ppid, Descendant{pid, state == 'Z'});
  }
  ::closedir(proc);
  std::vector<Descendant> out;
  std::vector<pid_t> todo = {root};
  while (!todo.empty()) {
    pid_t parent = todo.back();
    todo.pop_back();
    auto [first, last] = by_parent.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second.pid);
    }
  }
  return out;
}

void signal_descendants(int sig) {
  for (const auto& d : descendants())
    if (!d.zombie) ::kill(d.pid, sig);
}

// Reaps every exited child; records `child`'s status when it is among them.
void reap(pid_t child, std::optional<int>& child_status) {
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid == child) child_status = shell_exit_status(status);
  }
}

int remaining_ms(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60000));
}

}  // namespace

std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> out = {root};
  for (const auto& d : descendants(root))
    if (!d.zombie) out.push_back(d.pid);
  return out;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

void prepare_stop_handling() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kStopSignals) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int take_pending_stop() {
  sigset_t pending, blocked;
  sigemptyset(&pending);
  ::sigpending(&pending);
  ::sigprocmask(SIG_BLOCK, nullptr, &blocked);
  for (int sig : kStopSignals) {
    if (!sigismember(&pending, sig) || !sigismember(&blocked, sig)) continue;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    timespec zero{0, 0};
    if (::sigtimedwait(&one, nullptr, &zero) == sig) return sig;
  }
  return 0;
}

Error stop_error(int sig) { return make_error(fmt::format("stopped by {}", signal_name(sig)), 128 + sig); }

void stop_descendants(Clock::time_point kill_at) {
  std::optional<int> ignored;
  bool term_sent = false;
  for (;;) {
    reap(-1, ignored);
    auto left = descendants();
    if (left.empty()) return;
    auto now = Clock::now();
    if (now >= kill_at + std::chrono::seconds(2)) return;
    if (now >= kill_at) {
      signal_descendants(SIGKILL);
    } else if (!term_sent) {
      signal_descendants(SIGTERM);
      term_sent = true;
    }
    ::usleep(20000);
  }
}

Result<ChildEnd> supervise(pid_t child, const Supervision& how, int capture_fd, std::string* captured) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (int sig : how.stop_signals) sigaddset(&set, sig);
  for (int sig : how.other_signals) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, &old);
  int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    int err = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return make_error(fmt::format("signalfd: {}", errno_text(err)));
  }
  auto is_stop = [&](int sig) {
    return std::find(how.stop_signals.begin(), how.stop_signals.end(), sig) != how.stop_signals.end();
  };
  // Signals go to the child alone (it decides what its workers get); only
  // the SIGKILL at the end of the grace goes to its whole process group.
  auto kill_child = [&](int sig) {
    ::kill(child, sig);
    if (sig == SIGKILL && how.child_is_group_leader) ::kill(-child, sig);
  };

  ChildEnd end;
  std::optional<int> status;
  Clock::time_point stop_at{}, resend_at{};
  bool killed = false;
  char buf[65536];
  std::optional<Clock::time_point> watch_at;
  if (how.watch) watch_at = Clock::now();
  for (;;) {
    if (!status) reap(child, status);
    if (status && capture_fd < 0) break;
    if (!status && !end.stop_signal && watch_at && Clock::now() >= *watch_at) {
      int next = how.watch(child);
      if (next < 0)
        watch_at.reset();
      else
        watch_at = Clock::now() + std::chrono::milliseconds(next);
    }
    if (!status && end.stop_signal && !killed) {
      auto now = Clock::now();
      if (now >= stop_at + kStopGrace) {
        kill_child(SIGKILL);
        signal_descendants(SIGKILL);
        killed = true;
      } else if (now >= resend_at) {
        kill_child(end.stop_signal);
        resend_at = now + std::chrono::seconds(1);
      }
    }
    // Wake for a signal, for output, or for the next step of a stop.
    pollfd fds[2] = {{sfd, POLLIN, 0}, {capture_fd, POLLIN, 0}};
    int timeout = 1000;  // a coalesced SIGCHLD is caught by the next round
    if (status)
      timeout = -1;  // only the rest of the output is awaited
    else if (end.stop_signal && !killed)
      timeout = std::min(remaining_ms(resend_at), remaining_ms(stop_at + kStopGrace));
    else if (watch_at)
      timeout = std::min(timeout, remaining_ms(*watch_at));
    int ready = ::poll(fds, capture_fd >= 0 ? 2 : 1, timeout);
    if (ready < 0 && errno != EINTR) {
      int err = errno;
      ::close(sfd);
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      return make_error(fmt::format("poll: {}", errno_text(err)));
    }
    if (capture_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(capture_fd, buf, sizeof buf);
      if (n > 0 && captured) captured->append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) capture_fd = -1;
    }
    signalfd_siginfo info;
    while (::read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      int sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGCHLD) continue;
      bool first_stop = is_stop(sig) && !end.stop_signal;
      if (first_stop) {
        end.stop_signal = sig;
        stop_at = Clock::now();
        resend_at = stop_at + std::chrono::seconds(1);
      }
      if (!status) {
        kill_child(sig);
      } else if (first_stop) {
        capture_fd = -1;  // the child is gone; what still holds its output is stopped below
      }
    }
  }
  ::close(sfd);
  end.exit_status = *status;
  if (end.stop_signal || how.stop_tree_on_exit)
    stop_descendants((end.stop_signal ? stop_at : Clock::now()) + kStopGrace);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  return end;
}

Result<int> lock_exclusive(const fs::path& path, std::string_view waiting) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0664);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP)
      return make_error(fmt::format("cannot open the lock file {}: it is a symbolic link (remove it)", path.string()));
    return make_error(fmt::format("cannot open the lock file {}: {}", path.string(), errno_text(err)));
  }
  bool said = false;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return make_error(fmt::format("cannot lock {}: {}", path.string(), errno_text(err)));
    }
    if (!said && !waiting.empty()) {
      info_line(std::string(waiting));
      said = true;
    }
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kStopSignals) sigaddset(&set, sig);
    timespec tick{0, 100L * 1000 * 1000};
    int sig = ::sigtimedwait(&set, nullptr, &tick);
    if (sig > 0) {
      ::close(fd);
      return stop_error(sig);
    }
  }
}

namespace {

// How run() and run_capture() watch a child: every stop signal stops it, and warpdrive after it.
Supervision command_supervision() {
  Supervision how;
  how.stop_signals.assign(std::begin(kStopSignals), std::end(kStopSignals));
  return how;
}

}  // namespace

Result<int> wait_exit_status(pid_t pid) {
  WD_ASSIGN(ChildEnd end, supervise(pid, command_supervision()));
  if (end.stop_signal) return stop_error(end.stop_signal);
  return end.exit_status;
}

Result<int> run(const ProcessSpec& spec) {
  if (int sig = take_pending_stop()) return stop_error(sig);
  WD_ASSIGN(pid_t pid, spawn(spec));
  return wait_exit_status(pid);
}

Result<Captured> run_capture(const ProcessSpec& spec, int child_fd) {
  if (int sig = take_pending_stop()) return stop_error(sig);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return make_error(fmt::format("pipe: {}", errno_text(errno)));
  ProcessSpec s = spec;
  s.redirects.push_back({child_fd, pipefd[1]});
  auto pid = spawn(s);
  ::close(pipefd[1]);
  if (!pid) {
    ::close(pipefd[0]);
    return std::move(pid).error();
  }
  Captured c;
  auto end = supervise(*pid, command_supervision(), pipefd[0], &c.out);
  ::close(pipefd[0]);
  if (!end) return std::move(end).error();
  if (end->stop_signal) return stop_error(end->stop_signal);
  c.exit_status = end->exit_status;
  return c;
}

Error exec_replace(const ProcessSpec& spec) {
  if (int sig = take_pending_stop()) return stop_error(sig);
  auto p = prepare(spec);
  if (!p) return std::move(p).error();
  for (const auto& r : spec.redirects) {
    if (r.child_fd != r.parent_fd) ::dup2(r.parent_fd, r.child_fd);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0)
    return make_error(fmt::format("cannot change to directory {}: {}", spec.cwd.string(), errno_text(errno)));
  // The program is not warpdrive: it gets no re-parented orphans, and the
  // signals warpdrive held back. A stop request that arrives from here on
  // reaches the program (or, before the exec, ends warpdrive).
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  if (int sig = take_pending_stop()) return stop_error(sig);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  ::execve(p->program.c_str(), p->argv.data(), p->envp.data());
  int err = errno;
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  return make_error(fmt::format("cannot execute {}: {}", p->program.string(), errno_text(err)),
                    err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

}  // namespace wd
