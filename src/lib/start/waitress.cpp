// Waitress: one process listening on 0.0.0.0:PORT with threads from the
// sizing (processes x threads of the budget); static files through the
// generated WhiteNoise wrapper.
#include <algorithm>

#include <fmt/format.h>

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

namespace {
constexpr int kMaxWaitressThreads = 32;
}

Result<LaunchPlan> plan_waitress(const ServerInput& input) {
  const AppEnvironment& e = *input.environment;
  const Settings& s = e.settings;
  WD_ASSIGN(ServerProgram program,
            locate_python_server(e, "waitress", "waitress-serve", "waitress", "python3-waitress"));
  LaunchPlan plan;
  plan.server = "waitress";
  plan.cwd = s.app_home;
  plan.argv = program.argv;
  plan.notes = program.notes;
  const auto& user = input.server_args;
  if (!has_option(user, {"--listen", "--port", "--host", "--unix-socket"}))
    plan.argv.push_back(fmt::format("--listen=0.0.0.0:{}", s.http_port));
  if (!input.full_control && !has_option(user, {"--threads"})) {
    const WorkerSizing& w = input.workers;
    int threads = std::clamp(w.processes * w.threads, 1, kMaxWaitressThreads);
    plan.argv.push_back(fmt::format("--threads={}", threads));
    plan.notes.push_back(sizing_note(
        w, fmt::format("1 process x {} threads (Waitress runs one process: {} processes x {} threads, at most {})",
                       threads, w.processes, w.threads, kMaxWaitressThreads)));
  }
  for (const auto& a : user) plan.argv.push_back(a);
  if (!input.full_control) {
    WD_ASSIGN(AppEntry entry, app_entry(input, program.site));
    plan.argv.push_back(entry.spec);
    apply_entry(plan, std::move(entry));
  }
  return plan;
}

}  // namespace wd
