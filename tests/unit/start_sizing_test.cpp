#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "start/sizing.hpp"
#include "temp_dir.hpp"

namespace wd {
namespace {

class FakeCgroup : public ::testing::Test {
 protected:
  void SetUp() override { root_ = tmp_.path(); }
  void put(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text << "\n";
  }
  wd::testing::TempDir tmp_;
  fs::path root_;
};

TEST_F(FakeCgroup, V2QuotaMemoryAndCpuset) {
  put("cgroup.controllers", "cpu memory cpuset");
  put("app/cpu.max", "150000 100000");
  put("app/memory.max", "536870912");
  put("app/cpuset.cpus.effective", "0-3");
  CgroupLimits l = read_cgroup_limits(root_, "0::/app\n");
  ASSERT_TRUE(l.cpu_quota);
  EXPECT_DOUBLE_EQ(*l.cpu_quota, 1.5);
  EXPECT_EQ(l.cpu_quota_source, "cgroup v2 cpu.max 150000 100000");
  EXPECT_EQ(l.memory_bytes, 536870912u);
  EXPECT_EQ(l.cpuset_cpus, 4);
}

TEST_F(FakeCgroup, V2AncestorLimitIsTighterAndMaxMeansNone) {
  put("cgroup.controllers", "cpu memory");
  put("cpu.max", "max 100000");
  put("parent/cpu.max", "100000 100000");
  put("parent/app/cpu.max", "max 100000");
  put("parent/app/memory.max", "max");
  CgroupLimits l = read_cgroup_limits(root_, "0::/parent/app\n");
  EXPECT_DOUBLE_EQ(l.cpu_quota.value_or(0), 1.0);
  EXPECT_FALSE(l.memory_bytes);
}

TEST_F(FakeCgroup, V2InsideContainerNamespaceUsesRoot) {
  put("cgroup.controllers", "cpu memory");
  put("cpu.max", "50000 100000");
  CgroupLimits l = read_cgroup_limits(root_, "0::/kubepods/pod1/abc\n");
  EXPECT_DOUBLE_EQ(l.cpu_quota.value_or(0), 0.5);
}

TEST_F(FakeCgroup, V1CombinedControllersAndUnlimitedMemory) {
  put("cpu,cpuacct/docker/x/cpu.cfs_quota_us", "200000");
  put("cpu,cpuacct/docker/x/cpu.cfs_period_us", "100000");
  put("cpuset/cpuset.cpus", "0-7");
  put("cpuset/docker/x/cpuset.cpus", "2,4-5");
  put("memory/docker/x/memory.limit_in_bytes", "9223372036854771712");
  CgroupLimits l = read_cgroup_limits(root_, "4:memory:/docker/x\n3:cpuset:/docker/x\n2:cpu,cpuacct:/docker/x\n");
  EXPECT_DOUBLE_EQ(l.cpu_quota.value_or(0), 2.0);
  EXPECT_EQ(l.cpu_quota_source, "cgroup v1 cpu.cfs_quota_us 200000 / cpu.cfs_period_us 100000");
  EXPECT_EQ(l.cpuset_cpus, 3);
  EXPECT_FALSE(l.memory_bytes);
}

TEST_F(FakeCgroup, V1NoQuota) {
  put("cpu/cpu.cfs_quota_us", "-1");
  put("cpu/cpu.cfs_period_us", "100000");
  put("memory/memory.limit_in_bytes", "268435456");
  CgroupLimits l = read_cgroup_limits(root_, "1:cpu:/\n4:memory:/\n");
  EXPECT_FALSE(l.cpu_quota);
  EXPECT_EQ(l.memory_bytes, 268435456u);
}

TEST(StartSizing, CountsCpuLists) {
  EXPECT_EQ(count_cpu_list("0-3,8,10-11"), 7);
  EXPECT_EQ(count_cpu_list("0"), 1);
  EXPECT_FALSE(count_cpu_list(""));
  EXPECT_FALSE(count_cpu_list("3-1"));
  EXPECT_FALSE(count_cpu_list("x"));
}

TEST(StartSizing, OneProcessPerCpuCappedByMemoryAndTwelve) {
  CgroupLimits none;
  EXPECT_EQ(size_workers(none, 2).processes, 2);
  EXPECT_EQ(size_workers(none, 2).threads, 4);
  EXPECT_EQ(size_workers(none, 64).processes, 12);

  CgroupLimits quota;
  quota.cpu_quota = 0.5;
  quota.cpu_quota_source = "cgroup v2 cpu.max 50000 100000";
  WorkerSizing w = size_workers(quota, 8);
  EXPECT_EQ(w.processes, 1);
  EXPECT_FALSE(w.user_set);
  EXPECT_EQ(w.reason,
            "0.50 CPUs (cgroup v2 cpu.max 50000 100000), no memory limit: "
            "min(CPUs, (MiB - 64) / 64, 12) processes x 4 threads");

  CgroupLimits memory;
  memory.memory_bytes = uint64_t{256} << 20;
  memory.memory_source = "cgroup v1 memory.limit_in_bytes 268435456";
  EXPECT_EQ(size_workers(memory, 8).processes, 3);  // (256 - 64) / 64
  memory.memory_bytes = uint64_t{64} << 20;
  EXPECT_EQ(size_workers(memory, 8).processes, 1);

  CgroupLimits cpuset;
  cpuset.cpuset_cpus = 3;
  cpuset.cpuset_source = "cgroup v1 cpuset 0-2";
  EXPECT_EQ(size_workers(cpuset, 8).processes, 3);
  EXPECT_EQ(size_workers(cpuset, 8).reason.rfind("3 CPUs (cgroup v1 cpuset 0-2), no memory limit", 0), 0u);
}

}  // namespace
}  // namespace wd
