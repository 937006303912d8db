// Where the application's Python finds its modules, read from the file system
// (no interpreter is started, so start stays fast): the virtualenv's
// site-packages (and the paths its .pth files add), plus the base
// interpreter's directories when the virtualenv includes system site packages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fsutil.hpp"

namespace wd {

struct PythonSite {
  fs::path interpreter;               // the python that runs the application
  std::vector<fs::path> module_dirs;  // searched in this order
};

// The virtualenv at app_root (pyvenv.cfg), or nullopt when there is none.
std::optional<PythonSite> virtualenv_site(const fs::path& app_root);

// The interpreter a script's #! line names (e.g. /usr/bin/gunicorn ->
// /usr/bin/python3) and its module directories; nullopt when the script does
// not start with a #! naming an absolute path.
std::optional<PythonSite> script_site(const fs::path& script);

// True when a top-level module or package `name` is in one of the directories.
bool has_module(const PythonSite& site, std::string_view name);

// The file of dotted module `name` (a/b.py or a/b/__init__.py) under one of
// `dirs`, or nullopt.
std::optional<fs::path> find_module_file(const std::vector<fs::path>& dirs, std::string_view name);

// True for a dotted name of Python identifiers ("mysite.wsgi").
bool is_dotted_name(std::string_view name);

}  // namespace wd
