#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "run_state.hpp"

namespace wd {
namespace {

// Lines as the kernel prints them (trimmed trailing fields).
constexpr std::string_view kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0\n"
    "   1: 0100007F:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0\n"
    "   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0\n"
    "   3: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9999 1 0\n";

TEST(RunState, ParsesListeningSocketsOfTheGivenInodes) {
  auto found = parse_proc_net_tcp(kTcp, false, {4242, 4343});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], (Listener{"0.0.0.0", 8080}));
  EXPECT_EQ(found[1], (Listener{"127.0.0.1", 9001}));
}

TEST(RunState, ParsesIpv6Addresses) {
  constexpr std::string_view tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 77 1 0\n"
      "   1: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 78 1 0\n";
  auto found = parse_proc_net_tcp(tcp6, true, {77, 78});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], (Listener{"::", 8080}));
  EXPECT_EQ(found[1], (Listener{"::1", 8081}));
}

TEST(RunState, RoundTripsThroughJson) {
  RunState s{"gunicorn", {10, 111}, {11, 112}, {{"0.0.0.0", 8080}, {"::", 9000}}, {}};
  auto back = parse_run_state(render_run_state(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->server, "gunicorn");
  EXPECT_EQ(back->supervisor, s.supervisor);
  EXPECT_EQ(back->child, s.child);
  EXPECT_EQ(back->listeners, s.listeners);
  EXPECT_TRUE(back->failure_file.empty());
  EXPECT_FALSE(parse_run_state("{\"server\": 1}"));
}

TEST(RunState, ReportsWhatTheFailureFileSays) {
  char dir_template[] = "/tmp/wd-run-state-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  fs::path dir = dir_template;
  RunState s{"mod_wsgi", {10, 111}, {11, 112}, {}, dir / "import-failed"};
  auto back = parse_run_state(render_run_state(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->failure_file, s.failure_file);
  EXPECT_FALSE(recorded_failure(*back));  // no file yet
  ASSERT_TRUE(write_file_atomic(s.failure_file, "", 0644));
  EXPECT_FALSE(recorded_failure(*back));  // empty: nothing failed
  ASSERT_TRUE(write_file_atomic(s.failure_file, "pid 7: /x/handler.wsgi failed to import\npid 8: again\n", 0644));
  EXPECT_EQ(recorded_failure(*back).value_or(""), "pid 7: /x/handler.wsgi failed to import");
  fs::remove_all(dir);
}

TEST(RunState, KnowsALiveProcessAndAReusedPid) {
  auto me = process_id(::getpid());
  ASSERT_TRUE(me);
  EXPECT_TRUE(still_running(*me));
  ProcessId other = *me;
  other.start_time += 1;  // the same PID, another process
  EXPECT_FALSE(still_running(other));
  EXPECT_FALSE(process_id(0));
}

// A socket of this process, closed at the end of the test.
struct Socket {
  int fd;
  explicit Socket(int family) : fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
  uint16_t bind_loopback() const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) return 0;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
    return ntohs(a.sin_port);
  }
};

TEST(RunState, FindsThePortsThisProcessListensOnAndNoOthers) {
  Socket listening(AF_INET), bound_only(AF_INET), ipv6(AF_INET6);
  uint16_t port = listening.bind_loopback();
  ASSERT_NE(port, 0);
  ASSERT_EQ(::listen(listening.fd, 1), 0);
  uint16_t not_listening = bound_only.bind_loopback();
  ASSERT_NE(not_listening, 0);
  sockaddr_in6 any6{};
  any6.sin6_family = AF_INET6;
  any6.sin6_addr = in6addr_any;
  socklen_t len = sizeof any6;
  ASSERT_EQ(::bind(ipv6.fd, reinterpret_cast<sockaddr*>(&any6), len), 0);
  ASSERT_EQ(::getsockname(ipv6.fd, reinterpret_cast<sockaddr*>(&any6), &len), 0);
  ASSERT_EQ(::listen(ipv6.fd, 1), 0);

  auto found = listening_ports(::getpid());
  EXPECT_NE(std::find(found.begin(), found.end(), Listener{"127.0.0.1", port}), found.end());
  EXPECT_NE(std::find(found.begin(), found.end(), Listener{"::", ntohs(any6.sin6_port)}), found.end());
  for (const auto& l : found) EXPECT_NE(l.port, not_listening);
  EXPECT_EQ(found.size(), 2u);  // nothing else in this process listens
}

}  // namespace
}  // namespace wd
