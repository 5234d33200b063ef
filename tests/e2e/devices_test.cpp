// End-to-end: `cnnc devices` lists lavapipe (CI's Vulkan device), as text
// and JSON, and says how to install a driver when there is none.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace cnnc {
namespace {

using e2e::cnnc;
using e2e::Result;

TEST(Devices, ListsLavapipeAndTheDefault) {
  const Result r = cnnc("devices");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_HAS(r.output, "llvmpipe");
  EXPECT_HAS(r.output, "CPU, Vulkan 1.");
  EXPECT_HAS(r.output, "* the device the Vulkan backend will use by default");
  const Result j = cnnc("devices --json");
  ASSERT_EQ(j.status, 0) << j.output;
  const nlohmann::json all = nlohmann::json::parse(j.output);
  ASSERT_TRUE(all.is_array());
  int defaults = 0;
  for (const auto& d : all) defaults += d.at("default").get<bool>();
  EXPECT_EQ(defaults, 1);
}

TEST(Devices, NoDriverSaysHowToInstallOne) {
  ::setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
  const Result r = cnnc("devices");
  ::unsetenv("VK_ICD_FILENAMES");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_HAS(r.output, "mesa-vulkan-drivers");
}

}  // namespace
}  // namespace cnnc
