// The mod_wsgi planner's options (internal to start/mod_wsgi*): everything
// the user can set through MOD_WSGI_* variables and mod_wsgi-express style
// server_args, with mod_wsgi-express's defaults, and the one table that maps
// each option to the field it sets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "start/launch_plan.hpp"

namespace wd::mod_wsgi {

struct Options {
  std::optional<int> processes;
  std::optional<int> threads;
  std::optional<int> max_clients;
  std::optional<double> initial_workers;
  std::optional<double> minimum_spare_workers;
  std::optional<double> maximum_spare_workers;
  long long limit_request_body = 10485760;
  int maximum_requests = 0;
  int inactivity_timeout = 0;
  int request_timeout = 60;
  int connect_timeout = 15;
  int socket_timeout = 60;
  int queue_timeout = 45;
  int header_timeout = 15;
  int header_max_timeout = 30;
  int header_min_rate = 500;
  int body_timeout = 15;
  int body_max_timeout = 0;
  int body_min_rate = 500;
  int server_backlog = 500;
  int daemon_backlog = 100;
  std::string server_mpm = "prefork";
  std::string log_level = "warn";
  bool reload_on_changes = false;
  bool access_log = false;
  bool server_status = false;
  std::optional<std::string> working_directory;
  std::optional<std::string> application_type;
  std::optional<std::string> entry_point;
  std::string entry_point_source;  // for messages: "MOD_WSGI_ENTRY_POINT", "server_args --entry-point"
  std::optional<std::string> callable_object;
  std::vector<StaticMount> url_aliases;
  std::vector<std::string> include_files;
  std::vector<std::string> trusted_proxy_headers;
  std::optional<std::string> port;
  std::optional<std::string> user;
  std::optional<std::string> group;
  // server_args only (mod_wsgi-express start-server options):
  int startup_timeout = 15;
  int deadlock_timeout = 60;
  int graceful_timeout = 15;
  int shutdown_timeout = 5;
  int eviction_timeout = 0;
  int restart_interval = 0;
  int cpu_time_limit = 0;
  long long memory_limit = 0;
  int send_buffer_size = 0;
  int receive_buffer_size = 0;
  int header_buffer_size = 0;
  int response_buffer_size = 0;
  int response_socket_timeout = 0;
  int keep_alive_timeout = 2;
  bool enable_sendfile = false;
  bool compress_responses = false;
  bool allow_localhost = false;
  bool error_override = false;
  bool chunked_request = false;
  bool disable_reloading = false;
  std::string mount_point = "/";
  std::optional<std::string> host;
  std::optional<std::string> server_name;
  std::vector<std::string> server_aliases;
  std::optional<std::string> directory_index;
  std::optional<std::string> locale;
  std::optional<std::string> lang;
  std::optional<std::string> map_head_to_get;
  std::vector<std::string> python_paths;
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> passenv;
  std::vector<std::pair<std::string, std::string>> setenv;
  std::vector<std::pair<std::string, std::string>> error_documents;
};

enum class Kind {
  count,     // a whole number >= 1
  number,    // a whole number >= 0
  fraction,  // 0..1
  flag,      // on/off
  word,      // free text (checked by the option's check, if any)
};

// Where a value came from, for messages: "MOD_WSGI_PROCESSES='x'" or
// "server_args --processes 'x'".
struct Source {
  bool env;
  std::string_view option;
  std::string label() const;
  std::string with(std::string_view value) const;
};

// The field of Options an option sets (a list field collects every use).
using Field = std::variant<int Options::*, long long Options::*, std::optional<int> Options::*,
                           std::optional<double> Options::*, bool Options::*, std::string Options::*,
                           std::optional<std::string> Options::*, std::vector<std::string> Options::*>;

// A word option's check: the value to store, or an error naming the source.
using WordCheck = Result<std::string> (*)(const std::string& value, const Source& src);

struct OptionSpec {
  std::string_view name;  // the mod_wsgi-express option without "--"; env is MOD_WSGI_ + upper
  Kind kind;
  bool from_env;  // honoured as a MOD_WSGI_* variable (the original's list)
  Field field;
  WordCheck check = nullptr;
  std::string Options::*source = nullptr;  // records where the value came from, for messages
};

// The options warpdrive understands, as mod_wsgi-express spells them: the
// MOD_WSGI_* ones first, in the original's order.
std::span<const OptionSpec> option_table();

// MOD_WSGI_PROCESSES for "processes".
std::string env_name(std::string_view option);

// A whole number of at least `minimum` (0 or 1) that fits an int.
Result<long long> parse_whole(std::string_view value, long long minimum, const Source& src);

// MOD_WSGI_* from the environment. A variable we do not know is noted, not
// fatal: the original ignored them too.
Status options_from_env(Options& o, const EnvVars& env, std::vector<std::string>& notes);

// mod_wsgi-express style options from .warpdrive/server_args: --name VALUE
// or --name=VALUE, flags without a value, --url-alias URL DIR, and at most
// one positional argument (the entry point, as mod_wsgi-express took it).
// Later values win over earlier ones (and over the environment's).
Status options_from_args(Options& o, const std::vector<std::string>& args);

}  // namespace wd::mod_wsgi
