// ASGI detection and the ASGI servers' plans, on real fixture trees: the
// decision ASGI or WSGI by inspection (Debian's python3 imports raw ASGI and
// WSGI callables, no framework needed), the file-only guess build uses, the
// refusals, and the uvicorn / hypercorn / daphne / granian argv.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "introspect/app_inspect.hpp"
#include "server_registry.hpp"
#include "settings.hpp"
#include "start/detect.hpp"
#include "start/planner.hpp"
#include "start/python_server.hpp"
#include "temp_dir.hpp"

namespace wd {
namespace {

using Words = std::vector<std::string>;

class AsgiPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    fs::create_directories(root_ / "src");
    Settings& s = e_.settings;
    s.app_root = root_;
    s.src_root = root_ / "src";
    s.app_home = root_ / "src";
    s.http_port = 8123;
    s.deploy_mode = DeployMode::automatic;
    s.server_type = ServerId::mod_wsgi;  // the default, not chosen
    s.shell_file = "app.sh";
    s.python_file = "app.py";
    s.wsgi_module = "wsgi";
    s.wsgi_callable = "application";
    s.asgi_module = "asgi";
    s.asgi_callable = "application";
    e_.env.set("PATH", "/usr/bin:/bin");
    e_.env.set("PYTHONPATH", (root_ / "src").string());
    e_.env.set("WARPDRIVE_PYTHON", "/usr/bin/python3");
  }
  void put(const std::string& rel, const std::string& text, bool exec = false) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    if (exec) fs::permissions(p, fs::perms::owner_exec, fs::perm_options::add);
  }
  void choose(ServerId id) {
    e_.settings.server_type = id;
    e_.settings.server_type_origin = {SettingOrigin::variable, "WARPDRIVE_SERVER_TYPE"};
  }
  // A virtualenv whose bin/ holds the server's script (what the planners look for first).
  void fake_venv(const std::string& script) {
    put("pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n");
    put("bin/python", "#!/bin/sh\n", true);
    put("bin/" + script, "#!/bin/sh\n", true);
  }
  ServerInput input(const std::string& server, bool asgi = true) {
    ServerInput in;
    in.environment = &e_;
    in.server = server;
    in.target = WsgiTarget{"main", "api", root_ / "src" / "main.py", asgi, "FastAPI"};
    in.workers.processes = 3;
    in.workers.threads = 4;
    in.workers.reason = "test";
    return in;
  }
  wd::testing::TempDir tmp_;
  fs::path root_;
  AppEnvironment e_;
};

constexpr const char* kRawAsgi =
    "def helper(a, b, c):\n    pass\n\n"
    "async def service(scope, receive, send):\n    pass\n";

TEST_F(AsgiPlan, MainPyAsgiObjectIsFoundWhateverItsName) {
  put("src/main.py", kRawAsgi);
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  ASSERT_TRUE(d->target);
  EXPECT_EQ(d->target->module, "main");
  EXPECT_EQ(d->target->callable, "service");
  EXPECT_TRUE(d->target->asgi);
  EXPECT_EQ(d->server, ServerId::granian);
  EXPECT_EQ(d->server_reason,
            "granian: main:service is an ASGI application (ASGI callable) and no server type is set: "
            "the ASGI default");
  // The second time, the answer comes from the cache (the file is unchanged).
  auto again = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(again.ok());
  bool cached = false;
  for (const auto& n : again->notes) cached = cached || n.find("inspected by an earlier start") != std::string::npos;
  EXPECT_TRUE(cached);
}

TEST_F(AsgiPlan, TheFilesFastapiRunLooksForAreCandidatesInItsOrder) {
  // FastAPI's "bigger applications" layout: a package app/ with main.py, imported as app.main.
  put("src/app/__init__.py", "");
  put("src/app/app.py", kRawAsgi);
  put("src/app/main.py", std::string("from . import app as sibling\n") + kRawAsgi);
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  ASSERT_TRUE(d->target);
  EXPECT_EQ(d->target->module, "app.main");  // before app/app.py, as `fastapi run` orders them
  EXPECT_EQ(d->target->callable, "service");
  put("src/api.py", kRawAsgi);  // api.py comes before the package's files
  d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->target->module, "api");
  // A file that imports no ASGI framework is passed over, not served.
  put("src/api.py", "def application(environ, start_response):\n    pass\n");
  d = detect_app(e_, DetectDepth::files);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->target->module, "app.main");
}

TEST_F(AsgiPlan, FastapiEntrypointInPyprojectNamesTheApplication) {
  put("src/pkg/__init__.py", "");
  put("src/pkg/service.py", kRawAsgi);
  put("src/main.py", "async def other(scope, receive, send):\n    pass\n");
  put("src/pyproject.toml", "[project]\nname = \"x\"\n\n[tool.fastapi]\nentrypoint = \"pkg.service:service\"\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  EXPECT_EQ(d->target->module, "pkg.service");
  EXPECT_EQ(d->target->callable, "service");
  bool said = false;
  for (const auto& n : d->notes)
    said = said || n == "ASGI application pkg.service:service (entrypoint in [tool.fastapi] of pyproject.toml)";
  EXPECT_TRUE(said);
  // APP_MODULE still wins: it is the variable the user set for this deployment.
  e_.env.set("APP_MODULE", "main:other");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->target->module, "main");
  e_.env.unset("APP_MODULE");

  put("src/pyproject.toml", "[tool.fastapi]\nentrypoint = \"missing_module:app\"\n");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("entrypoint in [tool.fastapi] of pyproject.toml names module 'missing_module'"),
            std::string::npos)
      << d.error().message;
  put("src/pyproject.toml", "[tool.fastapi]\nentrypoint = 3\n");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, (root_ / "src" / "pyproject.toml").string() +
                                   ": [tool.fastapi] entrypoint must be a string \"module:attribute\"");
}

TEST_F(AsgiPlan, FilesDepthGuessesFromTheSourceForBuild) {
  put("src/main.py", "from fastapi import FastAPI\nweb = FastAPI()\n");
  auto d = detect_app(e_, DetectDepth::files);  // fastapi is not installed: nothing is imported
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  EXPECT_EQ(d->server, ServerId::granian);
}

TEST_F(AsgiPlan, AsgiAppWithWsgiOnlyServerIsRefusedNamingTheAsgiServers) {
  put("src/main.py", kRawAsgi);
  choose(ServerId::mod_wsgi);
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "main:service is an ASGI application (ASGI callable), which mod_wsgi cannot serve (variable "
            "WARPDRIVE_SERVER_TYPE: it speaks only WSGI); set WARPDRIVE_SERVER_TYPE or .warpdrive/server_type to an "
            "ASGI server: uvicorn, hypercorn, daphne, granian");
  // build refuses the same way, before installing anything
  EXPECT_FALSE(detect_app(e_, DetectDepth::files).ok());
}

TEST_F(AsgiPlan, WsgiAppWithAsgiOnlyServerIsRefusedNamingTheWsgiServers) {
  put("src/wsgi.py", "def application(environ, start_response):\n    return []\n");
  choose(ServerId::uvicorn);
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "wsgi:application is a WSGI application, which uvicorn cannot serve (variable WARPDRIVE_SERVER_TYPE: it "
            "speaks only ASGI); set WARPDRIVE_SERVER_TYPE or .warpdrive/server_type to a WSGI server: mod_wsgi, "
            "gunicorn, uwsgi, waitress, hypercorn, granian");
  choose(ServerId::granian);  // granian serves WSGI too
  auto g = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->server, ServerId::granian);
  EXPECT_FALSE(g->target->asgi);
}

TEST_F(AsgiPlan, AppModuleIsInspected) {
  put("src/web.py", kRawAsgi);
  e_.env.set("APP_MODULE", "web:service");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  EXPECT_EQ(d->server, ServerId::granian);  // not gunicorn: the sclorg rule is for WSGI
  e_.env.set("APP_MODULE", "web:helper");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("web:helper (" + (root_ / "src" / "web.py").string() +
                                   ") is neither a WSGI nor an ASGI application"),
            std::string::npos)
      << d.error().message;
}

TEST_F(AsgiPlan, AppPyWithMainBlockStaysAProgram) {
  put("src/app.py", std::string(kRawAsgi) + "\nif __name__ == \"__main__\":\n    print(1)\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::python);
  put("src/app.py", kRawAsgi);
  d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::asgi);
  EXPECT_EQ(d->target->module, "app");
}

// A package named flask whose Flask class lives in flask.app, as the real
// one's does (Debian's python3 here has no Flask; the e2e tests use the real
// one from the package index).
void put_flask_stand_in(const std::function<void(const std::string&, const std::string&)>& put) {
  put("src/flask/__init__.py", "from .app import Flask\n");
  put("src/flask/app.py",
      "class Flask:\n    def __init__(self, name):\n        self.name = name\n\n"
      "    def __call__(self, environ, start_response):\n        return []\n");
}

TEST_F(AsgiPlan, FlaskAppPyWithoutMainBlockIsServedNotRun) {
  put_flask_stand_in([this](const std::string& rel, const std::string& text) { put(rel, text); });
  put("src/app.py", "from flask import Flask\n\napp = Flask(__name__)\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::wsgi);
  ASSERT_TRUE(d->target);
  EXPECT_EQ(d->target->module, "app");
  EXPECT_EQ(d->target->callable, "app");
  EXPECT_EQ(d->target->kind, "Flask");
  EXPECT_EQ(d->server, ServerId::mod_wsgi);         // the WSGI default
  auto files = detect_app(e_, DetectDepth::files);  // build: from the source alone
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->kind, AppKind::wsgi);
  EXPECT_EQ(files->target->callable, "app");

  // A program: a __main__ block, or a server started when the module is imported.
  for (const char* tail : {"\nif __name__ == '__main__':\n    app.run()\n", "\napp.run(host='0.0.0.0', port=8080)\n",
                           "\nimport uvicorn\nuvicorn.run(app)\n"}) {
    put("src/app.py", std::string("from flask import Flask\n\napp = Flask(__name__)\n") + tail);
    d = detect_app(e_, DetectDepth::full);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->kind, AppKind::python) << tail;
  }
  // An indented run (inside a function) is not a server started at import.
  put("src/app.py", "from flask import Flask\n\napp = Flask(__name__)\n\ndef main():\n    app.run()\n");
  EXPECT_EQ(detect_app(e_, DetectDepth::full)->kind, AppKind::wsgi);
  // No Flask object: the original's python mode.
  put("src/app.py", "from flask import Flask\n\nprint('a script')\n");
  EXPECT_EQ(detect_app(e_, DetectDepth::full)->kind, AppKind::python);
}

TEST_F(AsgiPlan, WsgiPyWithoutApplicationServesItsAppWhateverItsName) {
  put_flask_stand_in([this](const std::string& rel, const std::string& text) { put(rel, text); });
  put("src/wsgi.py", "from flask import Flask\n\napp = Flask(__name__)\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::wsgi);
  EXPECT_EQ(d->target->module, "wsgi");
  EXPECT_EQ(d->target->callable, "app");
  // Naming `application` anywhere keeps the default (and wsgi.py is not imported).
  put("src/wsgi.py", "from flask import Flask\n\napplication = Flask(__name__)\n");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->target->callable, "application");
  EXPECT_TRUE(d->target->kind.empty());  // not inspected
  put("src/wsgi.py", "x = 1\n");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, (root_ / "src" / "wsgi.py").string() +
                                   " holds no `application`, no other application object and no create_app() or "
                                   "make_app() factory: define one, or name it with WARPDRIVE_WSGI_CALLABLE_OBJECT or "
                                   "APP_MODULE=wsgi:NAME");
}

// The Flask tutorial's shape: a package named like the project (pyproject.toml)
// whose __init__.py holds only a create_app() factory, started with
// `flask --app flaskr run`; the OpenShift builder's rule 5 serves the module
// named like the project, and `flask run`'s rule finds the factory.
TEST_F(AsgiPlan, ProjectModuleWithOnlyAFactoryIsCalled) {
  put_flask_stand_in([this](const std::string& rel, const std::string& text) { put(rel, text); });
  put("src/pyproject.toml", "[project]\nname = \"flaskr\"\nversion = \"1.0.0\"\n");
  put("src/flaskr/__init__.py",
      "from flask import Flask\n\n\ndef create_app(test_config=None):\n    return Flask(__name__)\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::wsgi);
  ASSERT_TRUE(d->target);
  EXPECT_EQ(target_spec(*d->target), "flaskr:create_app()");
  EXPECT_EQ(d->target->kind, "Flask");
  // A package named like the project that holds no application: the default page, saying why.
  put("src/flaskr/__init__.py", "def main():\n    print('hello')\n");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::default_page);
  bool said = false;
  for (const auto& n : d->notes) said = said || n.find("but its module") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST_F(AsgiPlan, SourcesThatStartAServerWhenImported) {
  EXPECT_TRUE(source_starts_a_server("app.run(debug=True)\n"));
  EXPECT_TRUE(source_starts_a_server("x = 1\nuvicorn.run('main:app', port=8000)\n"));
  EXPECT_TRUE(source_starts_a_server("web.run_app(app)\n"));
  EXPECT_TRUE(source_starts_a_server("serve(app, listen='*:8080')\n"));
  EXPECT_FALSE(source_starts_a_server("def main():\n    app.run()\n"));
  EXPECT_FALSE(source_starts_a_server("# app.run()\nresult = runner.running\n"));
  EXPECT_TRUE(source_suggests_wsgi_framework("from flask import Flask\n"));
  EXPECT_TRUE(source_suggests_wsgi_framework("import bottle\n"));
  EXPECT_FALSE(source_suggests_wsgi_framework("from flask_sqlalchemy import SQLAlchemy\n"));
}

TEST_F(AsgiPlan, ImportErrorStopsStart) {
  put("src/asgi.py", "import no_such_module_here\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "importing asgi (" + (root_ / "src" / "asgi.py").string() +
                                   ") failed: the traceback is above (start serves nothing rather than a server that "
                                   "answers 500)");
}

TEST_F(AsgiPlan, SourceGuesses) {
  EXPECT_TRUE(source_suggests_asgi("import os\nfrom starlette.applications import Starlette\n"));
  EXPECT_TRUE(source_suggests_asgi("class A:\n    async def __call__(self, scope, receive, send):\n"));
  EXPECT_FALSE(source_suggests_asgi("from flask import Flask\n# fastapi is great\n"));
  EXPECT_TRUE(source_has_main_block("x = 1\nif __name__ == '__main__':\n    main()\n"));
  EXPECT_FALSE(source_has_main_block("def f():\n    if __name__ == '__main__': pass\n"));
}

TEST_F(AsgiPlan, UvicornDefaults) {
  fake_venv("uvicorn");
  auto p = plan_uvicorn(input("uvicorn"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  std::string bin = (root_ / "bin" / "uvicorn").string();
  EXPECT_EQ(p->argv, (Words{bin, "--host", "0.0.0.0", "--port", "8123", "--workers", "3", "--lifespan", "auto",
                            "--timeout-graceful-shutdown", "2", "--no-proxy-headers", "main:api"}));
  ASSERT_TRUE(p->workers);
  EXPECT_EQ(p->workers->processes, 3);
  EXPECT_EQ(p->workers->threads, 1);
  auto in = input("uvicorn");
  in.server_args = {"--workers=1", "--proxy-headers", "--forwarded-allow-ips=10.0.0.1"};
  p = plan_uvicorn(in);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv,
            (Words{bin, "--host", "0.0.0.0", "--port", "8123", "--lifespan", "auto", "--timeout-graceful-shutdown", "2",
                   "--workers=1", "--proxy-headers", "--forwarded-allow-ips=10.0.0.1", "main:api"}));
}

TEST_F(AsgiPlan, HypercornDaphneGranianDefaults) {
  fake_venv("hypercorn");
  put("bin/daphne", "#!/bin/sh\n", true);
  put("bin/granian", "#!/bin/sh\n", true);
  std::string bin = (root_ / "bin").string();
  auto h = plan_hypercorn(input("hypercorn"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->argv, (Words{bin + "/hypercorn", "--bind", "0.0.0.0:8123", "--access-logfile", "-", "--error-logfile",
                            "-", "--workers", "3", "--graceful-timeout", "2", "main:api"}));
  auto d = plan_daphne(input("daphne"));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->argv, (Words{bin + "/daphne", "--bind", "0.0.0.0", "--port", "8123", "--access-log", "-",
                            "--application-close-timeout", "2", "main:api"}));
  EXPECT_EQ(d->workers->processes, 1);
  auto g = plan_granian(input("granian"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->argv, (Words{bin + "/granian", "--interface", "asgi", "--host", "0.0.0.0", "--port", "8123",
                            "--access-log", "--workers", "3", "--workers-kill-timeout", "2", "main:api"}));
  auto w = plan_granian(input("granian", false));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->argv,
            (Words{bin + "/granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8123", "--access-log",
                   "--workers", "3", "--blocking-threads", "4", "--workers-kill-timeout", "2", "main:api"}));
}

TEST_F(AsgiPlan, HypercornTakesUvloopWhenTheApplicationsPythonHasIt) {
  fake_venv("hypercorn");
  auto h = plan_hypercorn(input("hypercorn"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(std::count(h->argv.begin(), h->argv.end(), "--worker-class"), 0);
  EXPECT_NE(fmt::format("{}", fmt::join(h->notes, "\n")).find("event loop: asyncio's"), std::string::npos);

  put("lib/python3.11/site-packages/uvloop/__init__.py", "");
  h = plan_hypercorn(input("hypercorn"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  std::string bin = (root_ / "bin").string();
  EXPECT_EQ(h->argv, (Words{bin + "/hypercorn", "--bind", "0.0.0.0:8123", "--access-logfile", "-", "--error-logfile",
                            "-", "--workers", "3", "--graceful-timeout", "2", "--worker-class", "uvloop", "main:api"}));

  for (const Words& own : {Words{"-k", "trio"}, Words{"--worker-class=asyncio"}, Words{"-kasyncio"}}) {
    auto in = input("hypercorn");
    in.server_args = own;
    h = plan_hypercorn(in);
    ASSERT_TRUE(h.ok()) << h.error().message;
    EXPECT_EQ(std::count(h->argv.begin(), h->argv.end(), "uvloop"), 0) << own.front();
  }
}

TEST_F(AsgiPlan, AsgiStaticsGoThroughServeStatic) {
  fake_venv("uvicorn");
  auto in = input("uvicorn");
  in.statics = {{"/static/", root_ / "static"}};
  auto p = plan_uvicorn(in);
  ASSERT_FALSE(p.ok());  // the fake virtualenv has no servestatic
  EXPECT_NE(p.error().message.find("served by ServeStatic"), std::string::npos) << p.error().message;
  put("lib/python3.11/site-packages/servestatic/__init__.py", "");
  p = plan_uvicorn(in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv.back(), "warpdrive_static:application");
  EXPECT_EQ(p->env_additions.get("WARPDRIVE_WRAPPED_APPLICATION"), "main:api");
}

TEST_F(AsgiPlan, DefaultPageSpeaksAsgiForAsgiOnlyServers) {
  fake_venv("uvicorn");
  choose(ServerId::uvicorn);
  auto p = plan_start(e_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, "default");
  EXPECT_EQ(p->argv.back(), "warpdrive_default_page:asgi_application");
}

}  // namespace
}  // namespace wd
