#include <gtest/gtest.h>

#include "env_vars.hpp"

namespace wd {
namespace {

TEST(EnvVars, ParsesNulSeparatedRecords) {
  std::string data("A=1\0B=two words\0C=x=y\0EMPTY=\0", 30);
  EnvVars env = EnvVars::from_nul_separated(data);
  EXPECT_EQ(env.get("A"), "1");
  EXPECT_EQ(env.get("B"), "two words");
  EXPECT_EQ(env.get("C"), "x=y");
  EXPECT_EQ(env.get("EMPTY"), "");
  EXPECT_FALSE(env.is_set("EMPTY"));
  EXPECT_FALSE(env.has("D"));
}

TEST(EnvVars, ValuesWithNewlinesSurvive) {
  std::string data("M=line1\nline2\0", 14);
  EXPECT_EQ(EnvVars::from_nul_separated(data).get("M"), "line1\nline2");
}

TEST(EnvVars, EnvpIsNullTerminatedNameEqualsValue) {
  EnvVars env;
  env.set("B", "2");
  env.set("A", "1");
  auto envp = env.to_envp();
  ASSERT_EQ(envp.pointers.size(), 3u);
  EXPECT_STREQ(envp.pointers[0], "A=1");
  EXPECT_STREQ(envp.pointers[1], "B=2");
  EXPECT_EQ(envp.pointers[2], nullptr);
}

TEST(EnvVars, GetOrFallsBackOnEmpty) {
  EnvVars env;
  env.set("X", "");
  EXPECT_EQ(env.get_or("X", "d"), "d");
  EXPECT_EQ(env.get_or("Y", "d"), "d");
}

}  // namespace
}  // namespace wd
