#include "start/sizing.hpp"

#include <sched.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace wd {

namespace {

std::string read_trimmed(const fs::path& path) {
  auto text = read_file_if_exists(path);
  if (!text || !*text) return "";
  return trim(**text);
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Memory limits this large mean "no limit" (v1 reports about 2^63 rounded to a page).
constexpr uint64_t kUnlimitedMemory = uint64_t{1} << 60;

// The directory of the cgroup `rel` under `mount`, and each ancestor up to
// `mount`. In a container the mount is the container's own cgroup and `rel`
// (a host path) does not exist under it: then the mount alone.
std::vector<fs::path> cgroup_chain(const fs::path& mount, std::string_view rel) {
  std::vector<fs::path> chain;
  fs::path leaf = mount;
  std::string r(rel);
  while (!r.empty() && r.front() == '/') r.erase(r.begin());
  if (!r.empty() && is_dir(mount / r)) leaf = mount / r;
  for (fs::path p = leaf;; p = p.parent_path()) {
    chain.push_back(p);
    if (p == mount || p == p.parent_path()) break;
  }
  return chain;
}

void take_cpu(CgroupLimits& out, double cpus, std::string source) {
  if (!out.cpu_quota || cpus < *out.cpu_quota) {
    out.cpu_quota = cpus;
    out.cpu_quota_source = std::move(source);
  }
}

void take_memory(CgroupLimits& out, uint64_t bytes, std::string source) {
  if (bytes >= kUnlimitedMemory) return;
  if (!out.memory_bytes || bytes < *out.memory_bytes) {
    out.memory_bytes = bytes;
    out.memory_source = std::move(source);
  }
}

void read_v2(const fs::path& root, std::string_view rel, CgroupLimits& out) {
  auto chain = cgroup_chain(root, rel);
  for (const auto& dir : chain) {
    std::string cpu_max = read_trimmed(dir / "cpu.max");
    auto space = cpu_max.find(' ');
    if (!cpu_max.empty() && cpu_max.substr(0, space) != "max") {
      auto quota = parse_number<uint64_t>(std::string_view(cpu_max).substr(0, space));
      uint64_t period = 100000;
      if (space != std::string::npos)
        period = parse_number<uint64_t>(std::string_view(cpu_max).substr(space + 1)).value_or(0);
      if (quota && *quota > 0 && period > 0)
        take_cpu(out, static_cast<double>(*quota) / static_cast<double>(period),
                 fmt::format("cgroup v2 cpu.max {}", cpu_max));
    }
    std::string mem = read_trimmed(dir / "memory.max");
    if (auto bytes = parse_number<uint64_t>(mem)) take_memory(out, *bytes, fmt::format("cgroup v2 memory.max {}", mem));
  }
  for (const auto& dir : chain) {
    std::string cpus = read_trimmed(dir / "cpuset.cpus.effective");
    if (auto n = count_cpu_list(cpus)) {
      out.cpuset_cpus = *n;
      out.cpuset_source = fmt::format("cgroup v2 cpuset {}", cpus);
      break;
    }
  }
}

// The v1 hierarchy directory holding `controller`: root/cpu, or root/cpu,cpuacct.
std::optional<fs::path> v1_mount(const fs::path& root, std::string_view controller) {
  if (is_dir(root / std::string(controller))) return root / std::string(controller);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename().string();
    size_t start = 0;
    while (start <= name.size()) {
      size_t end = name.find(',', start);
      if (end == std::string::npos) end = name.size();
      if (name.substr(start, end - start) == controller && entry.is_directory(ec)) return entry.path();
      start = end + 1;
    }
  }
  return std::nullopt;
}

void read_v1(const fs::path& root, std::string_view proc_self_cgroup, CgroupLimits& out) {
  // Lines "ID:controller,controller:/path".
  auto rel_for = [&](std::string_view controller) -> std::string {
    size_t start = 0;
    while (start < proc_self_cgroup.size()) {
      size_t end = proc_self_cgroup.find('\n', start);
      if (end == std::string_view::npos) end = proc_self_cgroup.size();
      std::string_view line = proc_self_cgroup.substr(start, end - start);
      start = end + 1;
      size_t c1 = line.find(':');
      size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
      if (c2 == std::string_view::npos) continue;
      std::string_view list = line.substr(c1 + 1, c2 - c1 - 1);
      size_t s = 0;
      while (s <= list.size()) {
        size_t e = list.find(',', s);
        if (e == std::string_view::npos) e = list.size();
        if (list.substr(s, e - s) == controller) return std::string(line.substr(c2 + 1));
        s = e + 1;
      }
    }
    return "/";
  };

  if (auto mount = v1_mount(root, "cpu")) {
    for (const auto& dir : cgroup_chain(*mount, rel_for("cpu"))) {
      std::string q = read_trimmed(dir / "cpu.cfs_quota_us");
      std::string p = read_trimmed(dir / "cpu.cfs_period_us");
      auto quota = parse_number<int64_t>(q);
      auto period = parse_number<int64_t>(p);
      if (quota && period && *quota > 0 && *period > 0)
        take_cpu(out, static_cast<double>(*quota) / static_cast<double>(*period),
                 fmt::format("cgroup v1 cpu.cfs_quota_us {} / cpu.cfs_period_us {}", q, p));
    }
  }
  if (auto mount = v1_mount(root, "cpuset")) {
    for (const auto& dir : cgroup_chain(*mount, rel_for("cpuset"))) {
      std::string cpus = read_trimmed(dir / "cpuset.effective_cpus");
      if (cpus.empty()) cpus = read_trimmed(dir / "cpuset.cpus");
      if (auto n = count_cpu_list(cpus)) {
        out.cpuset_cpus = *n;
        out.cpuset_source = fmt::format("cgroup v1 cpuset {}", cpus);
        break;
      }
    }
  }
  if (auto mount = v1_mount(root, "memory")) {
    for (const auto& dir : cgroup_chain(*mount, rel_for("memory"))) {
      std::string mem = read_trimmed(dir / "memory.limit_in_bytes");
      if (auto bytes = parse_number<uint64_t>(mem))
        take_memory(out, *bytes, fmt::format("cgroup v1 memory.limit_in_bytes {}", mem));
    }
  }
}

std::string format_cpus(double cpus) {
  if (std::floor(cpus) == cpus) return fmt::format("{}", static_cast<int>(cpus));
  return fmt::format("{:.2f}", cpus);
}

}  // namespace

std::optional<int> count_cpu_list(std::string_view list) {
  int count = 0;
  size_t start = 0;
  std::string_view s = list;
  if (s.empty()) return std::nullopt;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view item = s.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    size_t dash = item.find('-');
    auto lo = parse_number<int>(item.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : parse_number<int>(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) return std::nullopt;
    count += *hi - *lo + 1;
  }
  if (count == 0) return std::nullopt;
  return count;
}

CgroupLimits read_cgroup_limits(const fs::path& cgroup_root, std::string_view proc_self_cgroup) {
  CgroupLimits out;
  if (is_file(cgroup_root / "cgroup.controllers")) {
    std::string rel = "/";
    size_t pos = proc_self_cgroup.find("0::");
    if (pos != std::string_view::npos && (pos == 0 || proc_self_cgroup[pos - 1] == '\n')) {
      size_t end = proc_self_cgroup.find('\n', pos);
      rel = std::string(
          proc_self_cgroup.substr(pos + 3, end == std::string_view::npos ? std::string_view::npos : end - pos - 3));
    }
    read_v2(cgroup_root, rel, out);
  } else {
    read_v1(cgroup_root, proc_self_cgroup, out);
  }
  return out;
}

CgroupLimits current_cgroup_limits() {
  auto text = read_file_if_exists("/proc/self/cgroup");
  std::string proc = text && *text ? **text : "";
  return read_cgroup_limits("/sys/fs/cgroup", proc);
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

WorkerSizing size_workers(const CgroupLimits& limits, int affinity) {
  double cpus = affinity;
  std::string cpu_why = fmt::format("{} CPUs available", affinity);
  if (limits.cpuset_cpus && *limits.cpuset_cpus < cpus) {
    cpus = *limits.cpuset_cpus;
    cpu_why = fmt::format("{} CPUs ({})", *limits.cpuset_cpus, limits.cpuset_source);
  }
  if (limits.cpu_quota && *limits.cpu_quota < cpus) {
    cpus = *limits.cpu_quota;
    cpu_why = fmt::format("{} CPUs ({})", format_cpus(cpus), limits.cpu_quota_source);
  }
  // One process per CPU, each with threads: measured on 2 CPUs (bench/throughput),
  // 2 x CPUs processes lost 15-25% to process switching for mod_wsgi and gunicorn.
  int by_cpu = std::max(1, static_cast<int>(std::ceil(cpus - 1e-9)));
  int processes = std::min(by_cpu, kMaxProcesses);
  std::string mem_why = "no memory limit";
  if (limits.memory_bytes) {
    uint64_t mib = *limits.memory_bytes / (uint64_t{1024} * 1024);
    int by_memory = mib > kReservedMiB + kMiBPerProcess ? static_cast<int>((mib - kReservedMiB) / kMiBPerProcess) : 1;
    processes = std::min(processes, std::max(1, by_memory));
    mem_why = fmt::format("{} MiB memory ({})", mib, limits.memory_source);
  }
  WorkerSizing sizing;
  sizing.processes = processes;
  sizing.threads = kThreadsPerProcess;
  sizing.user_set = false;
  sizing.reason = fmt::format("{}, {}: min(CPUs, (MiB - {}) / {}, {}) processes x {} threads", cpu_why, mem_why,
                              kReservedMiB, kMiBPerProcess, kMaxProcesses, kThreadsPerProcess);
  return sizing;
}

}  // namespace wd
