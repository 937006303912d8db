#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

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
  std::string line = "+";
  for (const auto& a : argv) line += " " + shell_quote(a);
  line += "\n";
  // One write, so traces from concurrent processes do not interleave.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

namespace {

// Runs in the child between fork and exec: nothing here may allocate.
[[noreturn]] void child_exec(const char* path, char** argv, char** envp, const char* cwd,
                             const std::vector<Redirect>& redirects, bool new_process_group, int error_pipe) {
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
      ::signal(SIGTTOU, SIG_IGN);
      ::tcsetpgrp(STDIN_FILENO, ::getpid());
      ::signal(SIGTTOU, SIG_DFL);
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
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return make_error(fmt::format("cannot start {}: {}", spec.argv[0], errno_text(err)));
  }
  if (pid == 0)
    child_exec(p.program.c_str(), p.argv.data(), p.envp.data(), cwd.empty() ? nullptr : cwd.c_str(),
               spec.redirects, spec.new_process_group, pipefd[1]);
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

Result<int> wait_exit_status(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(fmt::format("waitpid: {}", errno_text(errno)));
  }
  return shell_exit_status(status);
}

Result<int> run(const ProcessSpec& spec) {
  WD_ASSIGN(pid_t pid, spawn(spec));
  return wait_exit_status(pid);
}

Result<Captured> run_capture(const ProcessSpec& spec, int child_fd) {
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
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    c.out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  WD_ASSIGN(c.exit_status, wait_exit_status(*pid));
  return c;
}

Error exec_replace(const ProcessSpec& spec) {
  auto p = prepare(spec);
  if (!p) return std::move(p).error();
  for (const auto& r : spec.redirects) {
    if (r.child_fd != r.parent_fd) ::dup2(r.parent_fd, r.child_fd);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0)
    return make_error(fmt::format("cannot change to directory {}: {}", spec.cwd.string(), errno_text(errno)));
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  ::execve(p->program.c_str(), p->argv.data(), p->envp.data());
  int err = errno;
  return make_error(fmt::format("cannot execute {}: {}", p->program.string(), errno_text(err)),
                    err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

}  // namespace wd
