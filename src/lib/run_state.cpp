#include "run_state.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "fsutil.hpp"
#include "log.hpp"
#include "process.hpp"

namespace wd {

namespace {

constexpr int kSeekingMs = 200;    // until the server listens
constexpr int kWatchingMs = 2000;  // afterwards: a reload may rebind

template <typename T>
bool parse_hex(std::string_view text, T& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// "0100007F:1F90" (IPv4) or 32 hex digits ":port" (IPv6): the kernel prints
// each 32-bit word of the address in host byte order.
std::optional<Listener> parse_local_address(std::string_view text, bool ipv6) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view hex = text.substr(0, colon);
  Listener l;
  if (!parse_hex(text.substr(colon + 1), l.port)) return std::nullopt;
  size_t words = ipv6 ? 4 : 1;
  if (hex.size() != words * 8) return std::nullopt;
  uint32_t addr[4] = {};
  for (size_t w = 0; w < words; ++w)
    if (!parse_hex(hex.substr(w * 8, 8), addr[w])) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(ipv6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf)) return std::nullopt;
  l.address = buf;
  return l;
}

std::vector<unsigned long> socket_inodes(pid_t pid) {
  std::vector<unsigned long> out;
  std::error_code ec;
  fs::path dir = fmt::format("/proc/{}/fd", pid);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    char target[64];
    ssize_t n = ::readlink(it->path().c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    std::string_view t(target, static_cast<size_t>(n));
    if (t.rfind("socket:[", 0) != 0 || t.back() != ']') continue;
    unsigned long inode = 0;
    auto digits = t.substr(8, t.size() - 9);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), inode).ec == std::errc()) out.push_back(inode);
  }
  return out;
}

}  // namespace

fs::path run_state_path(const fs::path& app_root) { return app_root / "tmp" / "warpdrive" / "run.json"; }

std::string render_run_state(const RunState& state) {
  nlohmann::json j;
  j["server"] = state.server;
  auto process = [](const ProcessId& p) { return nlohmann::json{{"pid", p.pid}, {"start_time", p.start_time}}; };
  j["supervisor"] = process(state.supervisor);
  j["child"] = process(state.child);
  j["listeners"] = nlohmann::json::array();
  for (const auto& l : state.listeners) j["listeners"].push_back({{"address", l.address}, {"port", l.port}});
  if (!state.failure_file.empty()) j["failure_file"] = state.failure_file.string();
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<RunState> parse_run_state(std::string_view json_text) {
  try {
    auto j = nlohmann::json::parse(json_text);
    RunState s;
    s.server = j.at("server").get<std::string>();
    auto process = [](const nlohmann::json& p) {
      return ProcessId{p.at("pid").get<pid_t>(), p.at("start_time").get<unsigned long long>()};
    };
    s.supervisor = process(j.at("supervisor"));
    s.child = process(j.at("child"));
    for (const auto& l : j.at("listeners"))
      s.listeners.push_back({l.at("address").get<std::string>(), l.at("port").get<uint16_t>()});
    if (j.contains("failure_file")) s.failure_file = j.at("failure_file").get<std::string>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return make_error(fmt::format("not a warpdrive run state ({})", e.what()));
  }
}

Result<std::optional<RunState>> load_run_state(const fs::path& app_root) {
  fs::path path = run_state_path(app_root);
  WD_ASSIGN(auto text, read_file_if_exists(path));
  if (!text) return std::optional<RunState>{};
  auto state = parse_run_state(*text);
  if (!state) return std::move(state).error().context(path.string());
  return std::optional<RunState>{std::move(*state)};
}

Status save_run_state(const fs::path& app_root, const RunState& state) {
  fs::path path = run_state_path(app_root);
  WD_TRY(make_dirs(path.parent_path()));
  return write_file_atomic(path, render_run_state(state), 0664);
}

std::optional<std::string> recorded_failure(const RunState& state) {
  if (state.failure_file.empty()) return std::nullopt;
  auto text = read_file_if_exists(state.failure_file);
  if (!text || !*text || (*text)->empty()) return std::nullopt;
  std::string line = (*text)->substr(0, (*text)->find('\n'));
  return line.empty() ? std::string("the application failed to import") : line;
}

void remove_run_state(const fs::path& app_root) {
  std::error_code ec;
  fs::remove(run_state_path(app_root), ec);
}

std::optional<ProcessId> process_id(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_file_if_exists(fmt::format("/proc/{}/stat", pid));
  if (!text || !*text) return std::nullopt;
  const std::string& stat = **text;
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  // After "pid (comm)": field 3 (state) is the first, field 22 (starttime) the 20th.
  auto f = split_words(std::string_view(stat).substr(paren + 1));
  if (f.size() < 20 || f[0] == "Z" || f[0] == "X") return std::nullopt;
  ProcessId id{pid, 0};
  if (std::from_chars(f[19].data(), f[19].data() + f[19].size(), id.start_time).ec != std::errc()) return std::nullopt;
  return id;
}

bool still_running(const ProcessId& id) {
  auto now = process_id(id.pid);
  return now && now->start_time == id.start_time;
}

std::vector<Listener> parse_proc_net_tcp(std::string_view text, bool ipv6, const std::vector<unsigned long>& inodes) {
  std::vector<Listener> out;
  size_t pos = text.find('\n');  // the header line
  while (pos != std::string_view::npos && pos + 1 < text.size()) {
    size_t next = text.find('\n', pos + 1);
    auto f =
        split_words(text.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    pos = next;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if (f.size() < 10 || f[3] != "0A") continue;  // 0A: LISTEN
    unsigned long inode = 0;
    if (std::from_chars(f[9].data(), f[9].data() + f[9].size(), inode).ec != std::errc()) continue;
    if (std::find(inodes.begin(), inodes.end(), inode) == inodes.end()) continue;
    if (auto l = parse_local_address(f[1], ipv6)) out.push_back(std::move(*l));
  }
  return out;
}

namespace {

// The TCP sockets in LISTEN state of this network namespace, as (inode,
// listener), asked of the kernel through sock_diag: with only LISTEN
// requested it walks just the listening sockets. /proc/net/tcp walks every
// connection's bucket on each read, which on a busy machine costs
// milliseconds of kernel time per look, taken from the server starting
// beside it. nullopt when sock_diag is not available (a seccomp profile
// may refuse it): the caller then reads /proc/net/tcp.
std::optional<std::vector<std::pair<unsigned long, Listener>>> sock_diag_listeners() {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  std::vector<std::pair<unsigned long, Listener>> out;
  bool ok = true;
  for (int family : {AF_INET, AF_INET6}) {
    struct {
      nlmsghdr header;
      inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.request.sdiag_family = static_cast<uint8_t>(family);
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = 1U << TCP_LISTEN;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
      ok = false;
      break;
    }
    alignas(nlmsghdr) char buf[32768];
    for (bool done = false; !done && ok;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = false;
        break;
      }
      auto left = static_cast<unsigned int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_type == NLMSG_DONE) {
          done = true;
          break;
        }
        if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
          ok = false;
          break;
        }
        const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
        char text[INET6_ADDRSTRLEN] = {};
        if (!::inet_ntop(family, m->id.idiag_src, text, sizeof text)) continue;
        out.emplace_back(m->idiag_inode, Listener{text, ntohs(m->id.idiag_sport)});
      }
    }
    if (!ok) break;
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

std::vector<Listener> listening_ports(pid_t root) {
  std::vector<unsigned long> inodes;
  for (pid_t pid : process_tree(root)) {
    auto more = socket_inodes(pid);
    inodes.insert(inodes.end(), more.begin(), more.end());
  }
  std::vector<Listener> out;
  if (inodes.empty()) return out;
  auto held = [&](unsigned long inode) { return std::find(inodes.begin(), inodes.end(), inode) != inodes.end(); };
  if (auto all = sock_diag_listeners()) {
    for (auto& [inode, listener] : *all)
      if (held(inode)) out.push_back(std::move(listener));
  } else {
    for (bool ipv6 : {false, true}) {
      // The server's own network namespace, which is the probe's too.
      auto text = read_file_if_exists(fmt::format("/proc/{}/net/{}", root, ipv6 ? "tcp6" : "tcp"));
      if (!text || !*text) continue;
      auto found = parse_proc_net_tcp(**text, ipv6, inodes);
      out.insert(out.end(), found.begin(), found.end());
    }
  }
  std::sort(out.begin(), out.end(), [](const Listener& a, const Listener& b) {
    return std::tie(a.port, a.address) < std::tie(b.port, b.address);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int RunStateWatch::tick(pid_t child) {
  if (!state_) {
    auto me = process_id(::getpid());
    auto it = process_id(child);
    if (!me || !it) return kSeekingMs;
    state_ = RunState{server_, *me, *it, {}, failure_file_};
  } else {
    auto now = listening_ports(child);
    if (written_ && now == state_->listeners) return state_->listeners.empty() ? kSeekingMs : kWatchingMs;
    state_->listeners = std::move(now);
  }
  auto saved = save_run_state(app_root_, *state_);
  if (!saved) {
    // The probes then fall back to the original's checks; say so once.
    warn(fmt::format("cannot record the running server for the probes: {}", saved.error().message));
    return -1;
  }
  written_ = true;
  return state_->listeners.empty() ? kSeekingMs : kWatchingMs;
}

RunStateWatch::~RunStateWatch() {
  if (written_) remove_run_state(app_root_);
}

}  // namespace wd
