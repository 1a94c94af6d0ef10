#include "auth/adc.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "test_keys.hpp"

namespace switchyard::auth {
namespace {

namespace fs = std::filesystem;

class AdcTest : public ::testing::Test {
 protected:
  AdcTest() {
    dir_ = fs::temp_directory_path() / ("sy-adc-" + std::to_string(std::random_device{}()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir_);
  }
  ~AdcTest() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  GetEnv env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      const auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(AdcTest, UnsetVariableIsAClearError) {
  const auto key = loadApplicationDefaultCredentials(env());
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().kind, core::ErrorKind::CredentialUnavailable);
  EXPECT_NE(key.error().message.find("GOOGLE_APPLICATION_CREDENTIALS is not set"),
            std::string::npos);
  env_["GOOGLE_APPLICATION_CREDENTIALS"] = "";
  EXPECT_FALSE(loadApplicationDefaultCredentials(env()));
  EXPECT_FALSE(loadApplicationDefaultCredentials(nullptr));
}

TEST_F(AdcTest, MissingFileNamesThePath) {
  env_["GOOGLE_APPLICATION_CREDENTIALS"] = (dir_ / "nope.json").string();
  const auto key = loadApplicationDefaultCredentials(env());
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find((dir_ / "nope.json").string()), std::string::npos);
  EXPECT_NE(key.error().message.find("GOOGLE_APPLICATION_CREDENTIALS"), std::string::npos);
}

TEST_F(AdcTest, AuthorizedUserFileIsUnsupported) {
  env_["GOOGLE_APPLICATION_CREDENTIALS"] =
      write("adc.json", R"({"type":"authorized_user","client_id":"id.apps.googleusercontent.com",)"
                        R"("client_secret":"d-SECRET","refresh_token":"1//REFRESH"})");
  const auto key = loadApplicationDefaultCredentials(env());
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("authorized_user"), std::string::npos);
  EXPECT_NE(key.error().message.find("only service account keys are supported"), std::string::npos);
  EXPECT_EQ(key.error().message.find("SECRET"), std::string::npos);
  EXPECT_EQ(key.error().message.find("REFRESH"), std::string::npos);
}

TEST_F(AdcTest, ValidServiceAccountFile) {
  env_["GOOGLE_APPLICATION_CREDENTIALS"] = write("sa.json", testing::keyFileJson());
  const auto key = loadApplicationDefaultCredentials(env());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->clientEmail, testing::kClientEmail);
  EXPECT_EQ(key->projectId, "my-project");
  EXPECT_TRUE(key->privateKey);
}

TEST_F(AdcTest, BrokenKeyFileNamesPathAndFieldButNotTheKey) {
  const auto pem = testing::pkcs8Pem(*testing::testKey());
  auto object = testing::keyFileObject(pem);
  object.erase("client_email");
  const auto path = write("broken.json", boost::json::serialize(object));
  const auto key = loadServiceAccountKeyFile(path);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find(path), std::string::npos);
  EXPECT_NE(key.error().message.find("\"client_email\""), std::string::npos);
  EXPECT_EQ(key.error().message.find(testing::pemFragment(pem)), std::string::npos);
}

TEST_F(AdcTest, OversizedFileIsRejected) {
  const auto path = write("big.json", std::string((1 << 20) + 10, ' '));
  const auto key = loadServiceAccountKeyFile(path);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("larger than 1 MiB"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::auth
