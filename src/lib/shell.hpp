// Quoting for text that a shell will evaluate, and sourcing the application's
// shell files (.warpdrive/environment, deploy-env, build-env) in a child /bin/sh.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

// 'value' with every ' written as '\'' : safe for eval in any POSIX shell.
std::string single_quote(std::string_view value);
// The word unchanged when it has only characters no shell treats specially,
// single_quote() otherwise.
std::string shell_quote(std::string_view word);
// The words, each shell_quote()d, separated by spaces: a command line a
// shell reads back as these words.
std::string shell_words(const std::vector<std::string>& words);

// A name a POSIX shell can assign and export: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view name);

// Sources each existing file of `files` in order, with `set -a` (auto-export),
// in a child /bin/sh whose environment is `base` and whose working directory
// is `cwd`, then reads the resulting environment back (NUL-separated).
// The files' text is interpreted by the shell only, never by warpdrive.
// A file the shell cannot source (syntax error, failing command) is an error
// naming it; the shell's own message has already gone to stderr. Anything the
// files print goes to stderr, so stdout stays clean for `eval "$(warpdrive env)"`.
// The environment comes back on the shell's standard output, which the files'
// code never sees (it runs with its standard output on stderr), and no error
// ever shows it. A file that is not a regular file (a FIFO, a dangling link)
// is an error naming it, before any shell opens it. Variables of `base` whose
// names a shell cannot hold (my-var, spring.datasource.url, exported bash
// functions) pass through unchanged.
Result<EnvVars> source_shell_files(const EnvVars& base, const std::vector<fs::path>& files, const fs::path& cwd,
                                   bool trace);

}  // namespace wd
