// Django: recognising a project, and reading the facts start needs from its
// settings by running embedded Python (src/python) in the app's interpreter.
// Owned by the build work (issue 3); start calls introspect_django when there
// is no build record.
#pragma once

#include "build_record.hpp"
#include "error.hpp"
#include "settings.hpp"

namespace wd {

// True when APP_HOME/manage.py exists and mentions DJANGO_SETTINGS_MODULE.
bool is_django_project(const Settings& settings);

// Boots Django in the application's interpreter and returns its settings
// module, WSGI_APPLICATION, STATIC_URL and the resolved STATIC_ROOT (the
// project's own, or $APP_ROOT/tmp/django/static when it sets none, as
// collectstatic during build uses). Django's own message on failure.
Result<DjangoFacts> introspect_django(const AppEnvironment& environment);

// Runs `manage.py collectstatic --noinput` under the warpdrive settings
// wrapper (STATIC_ROOT defaults to $APP_ROOT/tmp/django/static) and returns
// the same facts as introspect_django, from the same Python process.
// A failure is an error naming collectstatic; Django's message is on stderr.
Result<DjangoFacts> collect_static(const AppEnvironment& environment);

// The interpreter that runs the application: $APP_ROOT/bin/python when the
// virtualenv exists, else WARPDRIVE_PYTHON, else python3 on PATH.
std::string app_python(const AppEnvironment& environment);

// Parses the JSON object warpdrive_django.py writes (exposed for unit tests).
Result<DjangoFacts> parse_django_facts(const std::string& json_text);

}  // namespace wd
