// ASGI or WSGI: which protocol a module's application speaks, decided by
// importing it in the application's own interpreter and inspecting the object
// (src/python/warpdrive_app_inspect.py), never by the file's name. Also the
// file-only guess build uses before dependencies are installed.
#pragma once

#include <string>
#include <string_view>

#include "error.hpp"
#include "settings.hpp"

namespace wd {

struct AppInspection {
  std::string callable;  // the attribute that holds the application ("" when none was found)
  std::string protocol;  // "asgi", "wsgi", or "" (not an application)
  std::string kind;      // "FastAPI", "ASGI callable", "Flask", ...
  std::string why;       // "an instance of fastapi.applications.FastAPI"
  bool cached = false;   // from $APP_ROOT/tmp/warpdrive/app-inspect.json, not a fresh import
};

// Imports `module` (whose file is `script`) and classifies `callable` (a
// dotted attribute path), or, when `callable` is empty, finds the
// module-level ASGI application object whatever its name (`preferred` breaks
// ties). An import error is an error (the traceback is on stderr). Results are
// cached per module file (path, size, modification time) and interpreter, so
// a second start does not import the application twice.
Result<AppInspection> inspect_app(const AppEnvironment& environment, const std::string& module, const fs::path& script,
                                  const std::string& callable, const std::string& preferred = "application");

// The file-only guess: does this Python source look like an ASGI application
// (imports an ASGI framework, Django's ASGI handler or Channels, or defines an
// `async def` taking scope, receive and send)? Build uses it to choose the
// server before anything can be imported; start then inspects.
bool source_suggests_asgi(std::string_view source);

// Does this Python source import a WSGI framework that makes a module-level
// application object (Flask, Bottle, Falcon, Pyramid)?
bool source_suggests_wsgi_framework(std::string_view source);

// Does this Python source start a server when it is imported: a module-level
// (unindented) app.run(...), uvicorn.run(...), web.run_app(...), serve(...),
// run_simple(...) or make_server(...)? Importing it to inspect would block.
bool source_starts_a_server(std::string_view source);

// Does this Python source have an `if __name__ == "__main__":` block?
bool source_has_main_block(std::string_view source);

// Parses the helper's JSON answer (exposed for unit tests).
Result<AppInspection> parse_app_inspection(const std::string& json_text);

}  // namespace wd
