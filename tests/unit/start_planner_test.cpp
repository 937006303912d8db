// The start plan as data: detection and the gunicorn / uWSGI / Waitress
// planners on real fixture trees, without starting anything. The servers
// are Debian's (/usr/bin/gunicorn, uwsgi, waitress-serve).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "server_registry.hpp"
#include "settings.hpp"
#include "start/detect.hpp"
#include "start/planner.hpp"
#include "start/python_server.hpp"
#include "temp_dir.hpp"

namespace wd {
namespace {

using Words = std::vector<std::string>;

class StartPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    fs::create_directories(root_ / "src");
    e_.settings.app_root = root_;
    e_.settings.src_root = root_ / "src";
    e_.settings.app_home = root_ / "src";
    e_.settings.http_port = 8123;
    e_.settings.deploy_mode = DeployMode::automatic;
    e_.settings.server_type = ServerId::gunicorn;
    e_.settings.shell_file = "app.sh";
    e_.settings.python_file = "app.py";
    e_.settings.wsgi_module = "wsgi";
    e_.settings.wsgi_callable = "application";
    e_.settings.asgi_module = "asgi";
    e_.settings.asgi_callable = "application";
    e_.env.set("PATH", "/usr/bin:/bin");
    e_.env.set("PYTHONPATH", (root_ / "src").string());
  }
  void put(const std::string& rel, const std::string& text, bool exec = false) {
    fs::path p = root_ / "src" / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    if (exec) fs::permissions(p, fs::perms::owner_exec, fs::perm_options::add);
  }
  ServerInput input(const std::string& server) {
    ServerInput in;
    in.environment = &e_;
    in.server = server;
    in.target = WsgiTarget{"wsgi", "application", root_ / "src" / "wsgi.py", false, ""};
    in.workers.processes = 3;
    in.workers.threads = 2;
    in.workers.reason = "test";
    return in;
  }
  wd::testing::TempDir tmp_;
  fs::path root_;
  AppEnvironment e_;
};

TEST_F(StartPlan, AutoOrderShellBeforePythonBeforeProcfileBeforeWsgi) {
  put("wsgi.py", "application = None\n");
  put("Procfile", "worker: x\nweb: gunicorn -b :$PORT wsgi\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->kind, AppKind::procfile);
  EXPECT_EQ(d->command, "gunicorn -b :$PORT wsgi");
  put("app.py", "print(1)\n");
  EXPECT_EQ(detect_app(e_, DetectDepth::full)->kind, AppKind::python);
  put("app.sh", "#!/bin/sh\n", true);
  EXPECT_EQ(detect_app(e_, DetectDepth::full)->kind, AppKind::shell);
}

TEST_F(StartPlan, NonExecutableAppShIsSkippedWithAWarning) {
  put("app.sh", "#!/bin/sh\n");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->kind, AppKind::default_page);
  ASSERT_EQ(d->warnings.size(), 1u);
  std::string path = (root_ / "src" / "app.sh").string();
  EXPECT_EQ(d->warnings[0],
            path + " is not executable (chmod +x " + path + " to run it); looking for another application");
}

TEST_F(StartPlan, AppModuleNotFoundIsAnError) {
  e_.env.set("APP_MODULE", "myapp.web:app");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  std::string home = (root_ / "src").string();
  EXPECT_EQ(d.error().message, "APP_MODULE names module 'myapp.web', which was not found: no " + home +
                                   "/myapp/web.py or " + home +
                                   "/myapp/web/__init__.py (nor installed in the virtualenv)");
}

TEST_F(StartPlan, AppModuleMalformed) {
  for (std::string bad : {"app:create_app(", "app:create_app()x", "app:1st", "app:", "my-app:application", "app:(1)"}) {
    e_.env.set("APP_MODULE", bad);
    auto d = detect_app(e_, DetectDepth::full);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().message, "APP_MODULE is '" + bad +
                                     "', not module:callable (for example mysite.wsgi:application, or "
                                     "app:create_app() for an application factory)");
  }
}

// An application factory, as gunicorn reads APP_MODULE: start calls it (with
// literal arguments only) to inspect what it returns, and every Python server
// is pointed at the wrapper module that calls it the same way.
constexpr const char* kFactory =
    "def create_app(name='default', debug=False):\n"
    "    def application(environ, start_response):\n"
    "        start_response('200 OK', [])\n"
    "        return [name.encode()]\n"
    "    return application\n";

TEST_F(StartPlan, AppModuleFactoryIsCalledAndServedThroughTheWrapper) {
  put("shop/__init__.py", kFactory);
  e_.env.set("APP_MODULE", "shop:create_app('it''s', debug=True)");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_TRUE(d->target);
  EXPECT_EQ(d->kind, AppKind::wsgi);
  EXPECT_EQ(d->target->callable, "create_app");
  EXPECT_EQ(d->target->factory_args, "'it''s', debug=True");
  EXPECT_EQ(d->server, ServerId::gunicorn);
  bool said = false;
  for (const auto& n : d->notes)
    said = said || n.find(
                       "shop:create_app('it''s', debug=True) is a WSGI application: WSGI callable, made by the "
                       "factory create_app(...): its function takes two parameters") == 0;
  EXPECT_TRUE(said);

  auto in = input("gunicorn");
  in.target = d->target;
  auto p = plan_gunicorn(in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv.back(), "warpdrive_static:application");
  EXPECT_EQ(p->env_additions.get("WARPDRIVE_WRAPPED_APPLICATION"), "shop:create_app('it''s', debug=True)");
  EXPECT_EQ(p->env_additions.get("WARPDRIVE_STATIC_MOUNTS"), "[]");
  ASSERT_EQ(p->files.size(), 2u);
  EXPECT_EQ(p->files[1].path, root_ / "tmp" / "warpdrive" / "warpdrive_app_loader.py");

  auto u = plan_uwsgi(in);
  ASSERT_TRUE(u.ok()) << u.error().message;
  auto module = std::find(u->argv.begin(), u->argv.end(), "--module");
  ASSERT_NE(module, u->argv.end());
  EXPECT_EQ(*(module + 1), "warpdrive_static:application");
}

TEST_F(StartPlan, AppModuleFactoryArgumentsMustBeLiterals) {
  put("shop/__init__.py", kFactory);
  e_.env.set("APP_MODULE", "shop:create_app(__import__('os').getcwd())");
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("cannot tell which application shop"), std::string::npos) << d.error().message;
  // A factory that returns something else than an application is refused by name.
  put("shop/__init__.py", "def create_app():\n    return 42\n");
  e_.env.set("APP_MODULE", "shop:create_app()");
  d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "shop:create_app() (" + (root_ / "src" / "shop" / "__init__.py").string() +
                                   ") is neither a WSGI nor an ASGI application: made by the factory create_app(...): "
                                   "not a callable application object");
}

TEST_F(StartPlan, WsgiModeWithoutModuleIsAnError) {
  e_.settings.deploy_mode = DeployMode::wsgi;
  auto d = detect_app(e_, DetectDepth::full);
  ASSERT_FALSE(d.ok());
  std::string home = (root_ / "src").string();
  EXPECT_EQ(d.error().message, "the WSGI module 'wsgi' was not found: no " + home + "/wsgi.py or " + home +
                                   "/wsgi/__init__.py (set WARPDRIVE_WSGI_MODULE_NAME or APP_MODULE=module:callable)");
}

TEST(Settings, UnknownModeAndServerListValidOnes) {
  auto mode = parse_deploy_mode("fast", "variable WARPDRIVE_DEPLOY_MODE");
  ASSERT_FALSE(mode.ok());
  EXPECT_EQ(mode.error().message,
            "unknown deploy mode 'fast' (variable WARPDRIVE_DEPLOY_MODE); valid modes: auto, shell, "
            "python, wsgi, django, or a server name for full control (mod_wsgi, gunicorn, uwsgi, "
            "waitress, uvicorn, hypercorn, daphne, granian)");
  auto full = parse_deploy_mode("uwsgi", "variable WARPDRIVE_DEPLOY_MODE");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->first, DeployMode::full_control);
  EXPECT_EQ(full->second, ServerId::uwsgi);
  auto port = parse_port("http", "WARPDRIVE_HTTP_PORT");
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().message, "WARPDRIVE_HTTP_PORT is 'http', not a port number from 1 to 65535");
  EXPECT_EQ(*parse_port("65535", "PORT"), 65535);
  EXPECT_FALSE(parse_port("0", "PORT").ok());
  EXPECT_FALSE(parse_port("65536", "PORT").ok());
}

TEST(ServerRegistry, EveryServerHasOneRowAndAPlanner) {
  for (ServerId id : {ServerId::mod_wsgi, ServerId::gunicorn, ServerId::uwsgi, ServerId::waitress, ServerId::uvicorn,
                      ServerId::hypercorn, ServerId::daphne, ServerId::granian}) {
    const ServerInfo& info = server_info(id);
    EXPECT_EQ(info.id, id);
    EXPECT_NE(info.plan, nullptr) << info.name;
    EXPECT_FALSE(info.install.pip_packages.empty()) << info.name;
    EXPECT_EQ(find_server(info.name), id);
  }
  EXPECT_EQ(server_registry().size(), 8u);
  EXPECT_EQ(find_server("nginx"), std::nullopt);
  EXPECT_EQ(server_names(), "mod_wsgi, gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian");
  EXPECT_EQ(server_names(ServerFilter::asgi), "uvicorn, hypercorn, daphne, granian");
  EXPECT_EQ(server_names(ServerFilter::wsgi), "mod_wsgi, gunicorn, uwsgi, waitress, hypercorn, granian");
}

TEST_F(StartPlan, GunicornDefaults) {
  auto p = plan_gunicorn(input("gunicorn"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv,
            (Words{"/usr/bin/gunicorn", "--bind", "0.0.0.0:8123", "--access-logfile", "-", "--error-logfile", "-",
                   "--workers", "3", "--threads", "2", "--worker-tmp-dir", "/dev/shm", "wsgi:application"}));
  EXPECT_EQ(p->cwd, root_ / "src");
  EXPECT_TRUE(p->files.empty());
}

TEST_F(StartPlan, GunicornUserOptionsWin) {
  auto in = input("gunicorn");
  in.server_args = {"--workers=5", "-b", "127.0.0.1:9"};
  e_.env.set("GUNICORN_CMD_ARGS", "--threads 8 --access-logfile /dev/null");
  auto p = plan_gunicorn(in);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv, (Words{"/usr/bin/gunicorn", "--error-logfile", "-", "--worker-tmp-dir", "/dev/shm", "--workers=5",
                            "-b", "127.0.0.1:9", "wsgi:application"}));
}

TEST_F(StartPlan, GunicornConfigFileDefaultsThroughEnvironment) {
  put("gunicorn.conf.py", "wsgi_app = 'wsgi:application'\nworkers = 2\n");
  auto in = input("gunicorn");
  in.app_in_server_config = true;
  auto p = plan_gunicorn(in);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv, (Words{"/usr/bin/gunicorn"}));
  EXPECT_EQ(p->env_additions.get("PORT"), "8123");
  EXPECT_EQ(p->env_additions.get("WEB_CONCURRENCY"), "3");
}

TEST_F(StartPlan, GunicornStaticsGoThroughTheWhiteNoiseWrapper) {
  auto in = input("gunicorn");
  in.statics = {{"/static/", root_ / "static"}};
  auto p = plan_gunicorn(in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv.back(), "warpdrive_static:application");
  ASSERT_EQ(p->files.size(), 2u);  // the wrapper and the loader it imports
  EXPECT_EQ(p->files[0].path, root_ / "tmp" / "warpdrive" / "warpdrive_static.py");
  EXPECT_EQ(p->files[1].path, root_ / "tmp" / "warpdrive" / "warpdrive_app_loader.py");
  EXPECT_NE(p->files[0].contents.find("WhiteNoise"), std::string::npos);
  EXPECT_EQ(p->env_additions.get("WARPDRIVE_WRAPPED_APPLICATION"), "wsgi:application");
  EXPECT_EQ(p->env_additions.get("WARPDRIVE_STATIC_MOUNTS"),
            "[[\"/static/\",\"" + (root_ / "static").string() + "\"]]");
  EXPECT_EQ(p->env_additions.get("PYTHONPATH"),
            (root_ / "tmp" / "warpdrive").string() + ":" + (root_ / "src").string());
}

TEST_F(StartPlan, UwsgiDefaults) {
  auto in = input("uwsgi");
  in.statics = {{"/static/", "/srv/static"}};
  auto p = plan_uwsgi(in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv, (Words{"/usr/bin/uwsgi",
                            "--plugin",
                            "python3",
                            "--http-socket",
                            "0.0.0.0:8123",
                            "--master",
                            "--single-interpreter",
                            "--die-on-term",
                            "--worker-reload-mercy",
                            "2",
                            "--reload-mercy",
                            "2",
                            "--need-app",
                            "--processes",
                            "3",
                            "--threads",
                            "2",
                            "--static-map",
                            "/static=/srv/static",
                            "--module",
                            "wsgi:application"}));
}

TEST_F(StartPlan, WaitressDefaultsAndFullControl) {
  auto p = plan_waitress(input("waitress"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->argv, (Words{"/usr/bin/waitress-serve", "--listen=0.0.0.0:8123", "--threads=6", "wsgi:application"}));
  auto in = input("waitress");
  in.full_control = true;
  in.server_args = {"--call", "app:make"};
  p = plan_waitress(in);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv, (Words{"/usr/bin/waitress-serve", "--listen=0.0.0.0:8123", "--call", "app:make"}));
}

TEST_F(StartPlan, ServerNotInstalledNamesTheDebianPackage) {
  e_.env.set("PATH", root_.string());
  auto p = plan_waitress(input("waitress"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "the waitress server is not installed: no waitress-serve on PATH (Debian package: "
            "python3-waitress; or pip install waitress)");
}

TEST_F(StartPlan, DefaultPageWhenNothingFound) {
  auto p = plan_start(e_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, "default");
  EXPECT_EQ(p->argv.back(), "warpdrive_default_page:application");
  ASSERT_FALSE(p->files.empty());
  EXPECT_EQ(p->files[0].path, root_ / "tmp" / "warpdrive" / "warpdrive_default_page.py");
  EXPECT_EQ(p->env_additions.get("PORT"), "8123");
}

TEST_F(StartPlan, ParsesProcfileAndGunicornConfig) {
  EXPECT_EQ(procfile_web_command("# c\nrelease: x\nweb:   python -m http.server $PORT  \n"),
            "python -m http.server $PORT");
  EXPECT_FALSE(procfile_web_command("worker: x\n"));
  auto c = gunicorn_config_wsgi_app("bind = 'x'\nwsgi_app = \"pkg.app:create\"  # comment\n");
  EXPECT_TRUE(c.sets);
  EXPECT_EQ(c.literal, "pkg.app:create");
  c = gunicorn_config_wsgi_app("wsgi_app = make_name()\n");
  EXPECT_TRUE(c.sets);
  EXPECT_FALSE(c.literal);
  EXPECT_FALSE(gunicorn_config_wsgi_app("    wsgi_app = 'x'\nwsgi_app_x = 1\n").sets);
}

}  // namespace
}  // namespace wd
