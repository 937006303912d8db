// The Python version an application asks for, and the interpreter that
// answers it. See docs/build.md "The Python version".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

// What the application asks for: a version prefix ("3.12", "3.12.1") or a
// PEP 440 specifier set (">=3.10,<3.13", from requires-python).
struct PythonRequest {
  std::string spec;    // as written, trimmed (runtime.txt's "python-" removed)
  std::string origin;  // where it was asked, e.g. ".python-version" or "pyproject.toml requires-python"
  std::string text() const { return spec + " (" + origin + ")"; }
};

// Reads the request from SRC_ROOT, first found wins: .python-version,
// runtime.txt, .tool-versions, Pipfile.lock (_meta.requires.python_version),
// pyproject.toml ([project] requires-python). nullopt when none asks (or
// .python-version says "system"). A value that is not a version is an error
// naming the file.
Result<std::optional<PythonRequest>> read_python_request(const fs::path& src_root);

// Whether `version` ("3.11.2") satisfies the request. A specifier that cannot
// be read is an error naming the request.
Result<bool> python_satisfies(const PythonRequest& request, std::string_view version);

// "3.11.2" from a pyvenv.cfg's text ("version = ..." or "version_info = ..."); empty when absent.
std::string pyvenv_version(std::string_view pyvenv_cfg);

// The interpreter a new virtualenv is made with.
struct PythonChoice {
  std::string python;   // the program: WARPDRIVE_PYTHON, "python3", or a path found
  std::string version;  // its version, when it had to be asked ("" otherwise)
  std::string why;      // for the plan and the phase line
};

// Without a request: WARPDRIVE_PYTHON, else python3 (nothing is run). With
// one: WARPDRIVE_PYTHON must satisfy it; otherwise python3, then python3.N on
// PATH and the interpreters under $PYENV_ROOT/versions (default ~/.pyenv) are
// asked for their version, and the default python3 wins when it matches, else
// the highest match. None matches: an error naming the request, where it was
// made, and every interpreter found with its version.
Result<PythonChoice> choose_python(const EnvVars& env, const std::optional<PythonRequest>& request);

}  // namespace wd
