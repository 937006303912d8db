// .warpdrive/server_args: extra options for the server. The original ran this
// text through a shell, so `$(...)` in it ran; warpdrive reads it as words
// (quotes and backslashes as a shell reads them) and expands only $NAME,
// ${NAME}, ${NAME:-word} and ${NAME-word} from the environment. Nothing in it
// is ever executed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "settings.hpp"

namespace wd {

struct ServerArgs {
  std::vector<std::string> words;
  std::vector<std::string> warnings;  // e.g. a `$(...)` that was passed on as text
  fs::path file;                      // the file they came from; empty = none
};

// Splits `text` into words, expanding variables from `env`. An unquoted
// expansion is split at blanks (as a shell would, without globbing); a quoted
// one stays one word. `origin` names the file in messages. Errors: an
// unterminated quote or ${, an unsupported ${...} form.
Result<ServerArgs> parse_server_args(std::string_view text, const EnvVars& env, const std::string& origin);

// .warpdrive/server_args when it is a file, .warpdrive/server_args/<server>
// when it is a directory; no such file: no words.
Result<ServerArgs> load_server_args(const Settings& settings, std::string_view server, const EnvVars& env);

// True when `words` holds one of `names` as an option: "--workers", "--workers=4",
// or a short option "-w" / "-w4".
bool has_option(const std::vector<std::string>& words, const std::vector<std::string_view>& names);

// warpdrive's default for a server option: appends `option value` to `argv`
// unless the user's words already hold one of `names` (theirs win).
void default_option(std::vector<std::string>& argv, const std::vector<std::string>& user,
                    const std::vector<std::string_view>& names, std::string_view option, std::string value);

}  // namespace wd
