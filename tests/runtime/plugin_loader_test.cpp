#include "runtime/plugin_loader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "backends/reference/reference_backend.h"
#include "tests/runtime/test_util.h"

namespace cnnc {
namespace {

using testing::TempDir;

const std::string kSwish = CNNC_SWISH_PLUGIN;
const std::string kSwishWrongVersion = CNNC_SWISH_WRONG_PLUGIN;

std::string error_of(const std::string& path, Registry& registry) {
  try {
    load_plugin(path, registry);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "no error";
}

// input x [N, 5] -> swish s1 beta=BETA -> output, shapes from the op's own inference.
ir::Graph swish_graph(const ir::OpDef& def, double beta) {
  ir::Graph g;
  g.name = "swish_only";
  ir::Node x;
  x.kind = ir::NodeKind::Input;
  x.name = "x";
  x.outputs = {ir::Shape{ir::kBatch, 5}};
  auto xid = g.add_node(x);
  ir::Node s;
  s.kind = ir::NodeKind::Op;
  s.name = "s1";
  s.op = "swish";
  s.attrs.set("beta", beta);
  ir::OpContext ctx{.attrs = s.attrs, .inputs = x.outputs, .num_data_inputs = 1};
  s.outputs = def.infer(ctx);
  auto sid = g.add_node(s);
  g.connect({xid, 0}, sid, 0);
  g.add_output({sid, 0});
  return g;
}

TEST(PluginLoader, SwishRegistersItsOpAndKernel) {
  Registry registry;
  auto loaded = load_plugin(kSwish, registry);
  EXPECT_EQ(loaded.name, "swish");
  EXPECT_FALSE(loaded.version.empty());
  EXPECT_EQ(loaded.path, std::filesystem::canonical(kSwish).string());

  const ir::OpDef* def = registry.ops.find("swish");
  ASSERT_NE(def, nullptr);
  EXPECT_FALSE(def->summary.empty());
  EXPECT_EQ(def->kind, ir::PatternKind::Elementwise);
  const ir::AttrSpec* beta = def->find_attr("beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ(beta->type, ir::AttrType::Float);
  ASSERT_TRUE(beta->default_value.has_value());
  EXPECT_EQ(std::get<double>(*beta->default_value), 1.0);
  EXPECT_TRUE(registry.reference_kernels.has("swish"));

  ir::AttrMap attrs;
  attrs.set("beta", 1.0);
  std::vector<ir::Shape> in = {ir::Shape{ir::kBatch, 3, 8, 8}};
  ir::OpContext ctx{.attrs = attrs, .inputs = in, .num_data_inputs = 1};
  auto out = def->infer(ctx);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(def->macs(ctx, out), 3 * 8 * 8);
}

TEST(PluginLoader, SwishKernelComputesXTimesSigmoidOfBetaX) {
  Registry registry;
  load_plugin(kSwish, registry);
  auto backend = backends::reference::make_reference_backend(registry.reference_kernels);
  std::vector<float> xs = {-100.0f, -3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.0f, 4.0f, 50.0f, -1e-3f};
  ir::Tensor input(ir::Shape{2, 5}, xs);
  for (double beta : {1.0, 2.5}) {
    auto exe = backend->compile(swish_graph(*registry.ops.find("swish"), beta), {});
    auto result = exe->run(std::span(&input, 1));
    ASSERT_EQ(result.size(), 1u);
    ASSERT_EQ(result[0].shape(), (ir::Shape{2, 5}));
    for (size_t i = 0; i < xs.size(); ++i) {
      double x = xs[i], expected = x / (1.0 + std::exp(-beta * x));
      EXPECT_NEAR(result[0][static_cast<int64_t>(i)], expected,
                  1e-6 * std::max(1.0, std::abs(expected)))
          << "x=" << x << " beta=" << beta;
    }
  }
}

TEST(PluginLoader, SamePathTwiceRegistersOnce) {
  Registry registry;
  auto first = load_plugin(kSwish, registry);
  // Another spelling of the same file.
  auto p = std::filesystem::path(kSwish);
  auto second = load_plugin((p.parent_path() / "." / p.filename()).string(), registry);
  EXPECT_EQ(first.path, second.path);
  EXPECT_EQ(registry.plugins.size(), 1u);
  EXPECT_NE(registry.ops.find("swish"), nullptr);

  // A different registry gets its own registration.
  Registry other;
  load_plugin(kSwish, other);
  EXPECT_NE(other.ops.find("swish"), nullptr);
}

TEST(PluginLoader, WrongApiVersionIsRefusedWithWhatToDo) {
  Registry registry;
  std::string message = error_of(kSwishWrongVersion, registry);
  EXPECT_CONTAINS(message, "plugin " + kSwishWrongVersion +
                               " was built for cnnc plugin API 9999, this cnnc has 1: rebuild it "
                               "against this version");
  EXPECT_EQ(registry.ops.find("swish"), nullptr);
  EXPECT_TRUE(registry.plugins.empty());
}

TEST(PluginLoader, MissingFileAndNonPluginsAreClearErrors) {
  TempDir dir;
  Registry registry;
  auto absent = dir.file("libnothere.so");
  std::string message = error_of(absent, registry);
  EXPECT_CONTAINS(message, absent);
  EXPECT_CONTAINS(message, "no such file");

  auto garbage = dir.file("garbage.so");
  testing::write_bytes(garbage, {'n', 'o', 't', ' ', 'E', 'L', 'F'});
  message = error_of(garbage, registry);
  EXPECT_CONTAINS(message, garbage);
  EXPECT_CONTAINS(message, "cannot be loaded");

  // A real shared library that is not a plugin.
  std::string libcnnc = std::string(CNNC_BINARY_DIR) + "/libcnnc.so";
  message = error_of(libcnnc, registry);
  EXPECT_CONTAINS(message, libcnnc);
  EXPECT_CONTAINS(message, "does not export cnnc_plugin_info()");

  message = error_of(dir.file(""), registry);
  EXPECT_CONTAINS(message, "is a directory");
}

TEST(PluginLoader, RegistrationFailureNamesThePlugin) {
  Registry registry;
  ir::OpDef taken;
  taken.name = "swish";
  taken.infer = [](const ir::OpContext& ctx) { return std::vector<ir::Shape>{ctx.input(0)}; };
  registry.ops.add(taken);
  std::string message = error_of(kSwish, registry);
  EXPECT_CONTAINS(message, "plugin 'swish'");
  EXPECT_CONTAINS(message, kSwish);
  EXPECT_CONTAINS(message, "failed to register");
  EXPECT_CONTAINS(message, "already registered");
  EXPECT_TRUE(registry.plugins.empty());
}

TEST(PluginLoader, LoadsFromCnncPluginPath) {
  Registry registry;
  ASSERT_EQ(::setenv("CNNC_PLUGIN_PATH", ("::" + kSwish + ":").c_str(), 1), 0);
  auto loaded = load_plugins_from_env(registry);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].name, "swish");
  EXPECT_NE(registry.ops.find("swish"), nullptr);

  Registry other;
  ASSERT_EQ(::setenv("CNNC_PLUGIN_PATH", kSwishWrongVersion.c_str(), 1), 0);
  try {
    load_plugins_from_env(other);
    ADD_FAILURE() << "expected PluginError";
  } catch (const PluginError& e) {
    EXPECT_CONTAINS(e.what(), "CNNC_PLUGIN_PATH");
    EXPECT_CONTAINS(e.what(), "9999");
  }
  ::unsetenv("CNNC_PLUGIN_PATH");
  EXPECT_TRUE(load_plugins_from_env(other).empty());
}

}  // namespace
}  // namespace cnnc
