// The MPM sizing: prefork keeps many cheap relaying children ready; event
// and worker spread the clients over children of at most ~20 threads.
#include "start/mod_wsgi_mpm.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace wd::mod_wsgi {

MpmSizing size_mpm(const Options& o, int processes, int threads) {
  MpmSizing s;
  int capacity = processes * threads;
  s.max_clients =
      o.max_clients ? std::max(*o.max_clients, capacity) : 10 + std::max(10, static_cast<int>(1.5 * capacity));
  if (o.server_mpm == "prefork") {
    // In daemon mode a prefork child only relays a connection (about 1 MiB
    // of its own memory), and each keep-alive client holds one, so start
    // half of them up front rather than mod_wsgi-express's 5%: Apache forks
    // at most a doubling per second, which a burst of clients would wait for.
    double initial = o.initial_workers.value_or(0.5);
    double min_spare = o.minimum_spare_workers.value_or(initial);
    double max_spare = o.maximum_spare_workers.value_or(0.75);
    int start = std::max(1, static_cast<int>(initial * s.max_clients));
    int min_s = std::max(1, static_cast<int>(min_spare * s.max_clients));
    int max_s = std::max(min_s + 1, static_cast<int>(max_spare * s.max_clients));
    s.lines = {fmt::format("ServerLimit {}", s.max_clients),
               fmt::format("MaxRequestWorkers {}", s.max_clients),
               fmt::format("StartServers {}", start),
               fmt::format("MinSpareServers {}", min_s),
               fmt::format("MaxSpareServers {}", max_s),
               "MaxConnectionsPerChild 0",
               "MaxKeepAliveRequests 500"};
    return s;
  }
  // event and worker: threads per child so that no child has more than ~20.
  int per_child = s.max_clients > 20 ? s.max_clients / (s.max_clients / 20 + 1) : 10;
  int children = (s.max_clients + per_child - 1) / per_child;
  s.max_clients = children * per_child;
  double initial = o.initial_workers.value_or(0.2);
  double min_spare = o.minimum_spare_workers.value_or(initial);
  double max_spare = o.maximum_spare_workers.value_or(0.6);
  int start = std::max(1, static_cast<int>(initial * children));
  int min_t = std::max(per_child, static_cast<int>(min_spare * children) * per_child);
  // Apache wants MaxSpareThreads >= MinSpareThreads + ThreadsPerChild.
  int max_t = std::max(min_t + per_child, static_cast<int>(max_spare * children) * per_child);
  s.lines = {fmt::format("ServerLimit {}", children),
             fmt::format("ThreadLimit {}", per_child),
             fmt::format("ThreadsPerChild {}", per_child),
             fmt::format("MaxRequestWorkers {}", s.max_clients),
             fmt::format("StartServers {}", start),
             fmt::format("MinSpareThreads {}", min_t),
             fmt::format("MaxSpareThreads {}", max_t),
             "MaxConnectionsPerChild 0",
             o.server_mpm == "event" ? "MaxKeepAliveRequests 0" : "MaxKeepAliveRequests 500"};
  return s;
}

}  // namespace wd::mod_wsgi
