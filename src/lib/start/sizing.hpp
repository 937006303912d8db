// Worker sizing from the container's limits (beyond the original): the CPU
// quota (cgroup v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us), the
// cpuset, the CPUs this process may run on, and the memory limit (v2
// memory.max, v1 memory.limit_in_bytes). The formula is in docs/start.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fsutil.hpp"
#include "start/launch_plan.hpp"

namespace wd {

struct CgroupLimits {
  std::optional<double> cpu_quota;  // CPUs the quota allows, e.g. 1.5
  std::string cpu_quota_source;     // e.g. "cgroup v2 cpu.max 150000 100000"
  std::optional<int> cpuset_cpus;   // CPUs in the cpuset
  std::string cpuset_source;        // e.g. "cgroup v1 cpuset 0-3"
  std::optional<uint64_t> memory_bytes;
  std::string memory_source;  // e.g. "cgroup v2 memory.max 536870912"
};

// Reads the limits of the cgroup named in `proc_self_cgroup` (the text of
// /proc/self/cgroup) under `cgroup_root` (normally /sys/fs/cgroup), v2 when
// `cgroup_root/cgroup.controllers` exists, v1 otherwise. Limits of the
// ancestors count too (the tightest wins). Missing files mean no limit.
CgroupLimits read_cgroup_limits(const fs::path& cgroup_root, std::string_view proc_self_cgroup);

// The limits of this process (/sys/fs/cgroup, /proc/self/cgroup).
CgroupLimits current_cgroup_limits();

// CPUs this process may run on (sched_getaffinity), at least 1.
int affinity_cpus();

// Number of CPUs in a cpuset list such as "0-3,8,10-11"; nullopt when malformed or empty.
std::optional<int> count_cpu_list(std::string_view list);

inline constexpr int kMaxProcesses = 12;
inline constexpr int kThreadsPerProcess = 4;
inline constexpr uint64_t kMiBPerProcess = 64;
inline constexpr uint64_t kReservedMiB = 64;

// processes = min(ceil(CPUs), (memory MiB - 64) / 64, 12), at least 1;
// threads = 4. CPUs = the smallest of quota, cpuset and affinity.
WorkerSizing size_workers(const CgroupLimits& limits, int affinity);

}  // namespace wd
