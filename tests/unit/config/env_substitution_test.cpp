#include "config/env_substitution.hpp"

#include <gtest/gtest.h>

#include "config/load_helpers.hpp"

namespace switchyard::config::detail {
namespace {

struct EnvCase {
  std::string name;
  std::string in;
  std::string out;
  int errors = 0;
};

class EnvSubstitutionTest : public ::testing::TestWithParam<EnvCase> {};

TEST_P(EnvSubstitutionTest, Replaces) {
  const auto& c = GetParam();
  std::vector<Diagnostic> diagnostics;
  const auto env =
      config::testing::envFrom({{"HOST", "h.example"}, {"EMPTY", ""}, {"PORT", "8443"}});
  EXPECT_EQ(substituteEnv(c.in, "f.yaml", env, diagnostics), c.out);
  EXPECT_EQ(static_cast<int>(diagnostics.size()), c.errors);
}

INSTANTIATE_TEST_SUITE_P(
    Config, EnvSubstitutionTest,
    ::testing::Values(EnvCase{"Set", "host: ${HOST}\n", "host: h.example\n"},
                      EnvCase{"TwoOnALine", "x: ${HOST}:${PORT}\n", "x: h.example:8443\n"},
                      EnvCase{"DefaultUnused", "port: ${PORT:=80}\n", "port: 8443\n"},
                      EnvCase{"DefaultUsed", "port: ${NOPE:=80}\n", "port: 80\n"},
                      EnvCase{"EmptyDefault", "v: '${NOPE:=}'\n", "v: ''\n"},
                      EnvCase{"EmptyTakesDefault", "v: ${EMPTY:=fallback}\n", "v: fallback\n"},
                      EnvCase{"EmptyWithoutDefault", "v: '${EMPTY}'\n", "v: ''\n"},
                      EnvCase{"Unset", "a: 1\nv: ${NOPE}\n", "a: 1\nv: \n", 1},
                      EnvCase{"CommentLineLeftAlone", "  # uses ${NOPE}\nv: 1\n",
                              "  # uses ${NOPE}\nv: 1\n"},
                      EnvCase{"NotAVariable", "v: ${1abc} $HOST ${ and ${HOST\n",
                              "v: ${1abc} $HOST ${ and ${HOST\n"},
                      EnvCase{"NoTrailingNewline", "v: ${HOST}", "v: h.example"}),
    [](const auto& info) { return info.param.name; });

TEST(EnvSubstitutionLineTest, ErrorNamesFileAndLine) {
  std::vector<Diagnostic> diagnostics;
  substituteEnv("a: 1\nb: 2\nc: ${MISSING}\n", "m.yaml", config::testing::envFrom({}), diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].severity, Severity::Error);
  EXPECT_EQ(diagnostics[0].where.file, "m.yaml");
  EXPECT_EQ(diagnostics[0].where.line, 3);
  EXPECT_NE(diagnostics[0].message.find("MISSING"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::config::detail
