// What warpdrive itself prints, in one place: warnings and errors to stderr,
// the original's " -----> " phase lines to stdout.
#pragma once

#include <string>
#include <string_view>

namespace wd {

void warn(std::string_view message);         // "warpdrive: warning: ..." on stderr
void print_error(std::string_view message);  // "warpdrive: error: ..." on stderr (main only)
void phase_line(std::string_view message);   // " -----> ..." on stdout
void info_line(std::string_view message);    // the line as is, on stdout

// The text with the password (or token) of every URL's user information
// replaced: "https://alice:s3cret@host/" -> "https://alice:****@host/",
// "https://TOKEN@host/" -> "https://****@host/". Every line above goes
// through it; digests of index settings use it too, so a rotated password does
// not reinstall everything.
std::string mask_credentials(std::string_view text);

// Whether a variable's name says its value is a secret: it contains
// PASSWORD, TOKEN or SECRET (POETRY_HTTP_BASIC_<SOURCE>_PASSWORD,
// POETRY_PYPI_TOKEN_<SOURCE>, UV_INDEX_<NAME>_PASSWORD, ...). Such values are
// printed and digested as "****", and `warpdrive image` gives them to
// assemble only.
bool secret_variable(std::string_view name);

}  // namespace wd
