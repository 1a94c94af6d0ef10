#include "telemetry/attribute_list.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::telemetry {
namespace {

TEST(Identifier, KeptWholeUpToTheLimit) {
  const std::string exact(kMaxIdentifierBytes, 'x');
  EXPECT_EQ(cappedIdentifier(exact), exact);
  EXPECT_EQ(cappedIdentifier("gemini-2.5-flash"), "gemini-2.5-flash");
}

TEST(Identifier, LongerIsCutBetweenCharactersAndMarked) {
  const std::string longer(kMaxIdentifierBytes + 1, 'x');
  EXPECT_EQ(cappedIdentifier(longer),
            std::string(kMaxIdentifierBytes, 'x') + "...[truncated: 1025 bytes]");
  // "é" (two bytes) straddles the limit: it goes whole.
  const std::string straddling = std::string(kMaxIdentifierBytes - 1, 'x') + "\xc3\xa9" + "tail";
  EXPECT_EQ(cappedIdentifier(straddling),
            std::string(kMaxIdentifierBytes - 1, 'x') + "...[truncated: 1029 bytes]");
}

TEST(Identifier, AttributeListCapsIdentifiersOnly) {
  AttributeList list;
  const std::string huge(1 << 20, 'm');
  list.addIdentifier("gen_ai.request.model", huge);
  list.addString("input.value", huge);  // content: its own settings decide
  EXPECT_EQ(std::get<std::string>(*list.find("gen_ai.request.model")).size(),
            kMaxIdentifierBytes + std::string("...[truncated: 1048576 bytes]").size());
  EXPECT_EQ(std::get<std::string>(*list.find("input.value")).size(), huge.size());
}

}  // namespace
}  // namespace switchyard::telemetry
