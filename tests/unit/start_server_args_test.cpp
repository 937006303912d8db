#include <gtest/gtest.h>

#include "start/server_args.hpp"

namespace wd {
namespace {

using Words = std::vector<std::string>;

EnvVars sample_env() {
  EnvVars env;
  env.set("PORT", "8080");
  env.set("TIMEOUT", "30");
  env.set("SPACED", "a  b");
  env.set("EMPTY", "");
  return env;
}

Words words(std::string_view text) {
  auto r = parse_server_args(text, sample_env(), "server_args");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->words : Words{};
}

TEST(StartServerArgs, SplitsWordsAcrossLinesAndSkipsComments) {
  EXPECT_EQ(words("--timeout 60\n# a comment\n  --log-level   debug # trailing\n"),
            (Words{"--timeout", "60", "--log-level", "debug"}));
}

TEST(StartServerArgs, ExpandsVariablesInEveryForm) {
  EXPECT_EQ(words("--timeout $TIMEOUT --bind=0.0.0.0:${PORT} x${UNSET:-7} y${EMPTY-z} q${EMPTY:-d}"),
            (Words{"--timeout", "30", "--bind=0.0.0.0:8080", "x7", "y", "qd"}));
}

TEST(StartServerArgs, UnquotedExpansionSplitsQuotedDoesNot) {
  EXPECT_EQ(words("$SPACED \"$SPACED\" '$SPACED'"), (Words{"a", "b", "a  b", "$SPACED"}));
}

TEST(StartServerArgs, EmptyUnquotedExpansionVanishesEmptyQuotesStay) {
  EXPECT_EQ(words("$EMPTY \"\" x"), (Words{"", "x"}));
}

TEST(StartServerArgs, CommandSubstitutionIsTextAndWarned) {
  auto r = parse_server_args("--name \"$(touch /tmp/x)\" `id`", sample_env(), "/app/.warpdrive/server_args");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->words, (Words{"--name", "$(touch /tmp/x)", "`id`"}));
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_EQ(r->warnings[0],
            "/app/.warpdrive/server_args: line 1: $(...) is not run: warpdrive expands only $VAR and ${VAR} in "
            "server_args and passes the rest on as text");
}

TEST(StartServerArgs, BackslashEscapes) {
  EXPECT_EQ(words("a\\ b \"c\\\"d\" \\$PORT"), (Words{"a b", "c\"d", "$PORT"}));
}

TEST(StartServerArgs, UnterminatedBraceIsAnErrorNamingFileAndLine) {
  auto r = parse_server_args("--ok\n--bind 0.0.0.0:${PORT\n", sample_env(), "/app/.warpdrive/server_args");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "/app/.warpdrive/server_args: line 2: unterminated ${ in '${PORT' (expected a closing })");
}

TEST(StartServerArgs, UnterminatedQuoteIsAnError) {
  auto r = parse_server_args("--name 'abc", sample_env(), "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f: line 1: unterminated ' quote");
}

TEST(StartServerArgs, UnsupportedExpansionIsAnError) {
  auto r = parse_server_args("${PORT#80}", sample_env(), "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "f: line 1: unsupported expansion ${PORT#80}: only $NAME, ${NAME}, ${NAME:-default} and "
            "${NAME-default} are expanded");
}

TEST(StartServerArgs, LiteralDollars) { EXPECT_EQ(words("$ $1 a$"), (Words{"$", "$1", "a$"})); }

TEST(StartServerArgs, HasOptionRecognisesSpellings) {
  Words w = {"--workers=3", "-k", "gevent", "-t5"};
  EXPECT_TRUE(has_option(w, {"--workers", "-w"}));
  EXPECT_TRUE(has_option(w, {"--worker-class", "-k"}));
  EXPECT_TRUE(has_option(w, {"--timeout", "-t"}));
  EXPECT_FALSE(has_option(w, {"--threads"}));
  EXPECT_FALSE(has_option({"--workers-x"}, {"--workers"}));
}

}  // namespace
}  // namespace wd
