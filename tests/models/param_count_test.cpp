// The example models parse, and their trainable parameter counts equal the
// published ones (torchvision's), which checks every layer's parameter shapes.
#include <gtest/gtest.h>

#include "ir/verifier.h"
#include "runtime/model.h"

namespace cnnc {
namespace {

struct Published {
  const char* file;
  int64_t trainable;
};

int64_t trainable_params(const ir::Graph& g) {
  int64_t n = 0;
  for (auto id : g.param_nodes())
    if (g.node(id).param.role == ir::ParamRole::Trainable)
      n += g.node(id).outputs.at(0).elements_per_item();
  return n;
}

class ExampleModel : public ::testing::TestWithParam<Published> {};

TEST_P(ExampleModel, ParameterCountMatchesPublished) {
  std::string path = std::string(CNNC_SOURCE_DIR) + "/examples/models/" + GetParam().file;
  ir::Graph g = parse_model_file(path, global_registry());
  EXPECT_TRUE(ir::verify(g, global_registry().ops).empty());
  EXPECT_EQ(trainable_params(g), GetParam().trainable) << GetParam().file;
}

INSTANTIATE_TEST_SUITE_P(
    Torchvision, ExampleModel,
    ::testing::Values(Published{"resnet18.cnn", 11'689'512}, Published{"resnet50.cnn", 25'557'032},
                      Published{"vgg16.cnn", 138'357'544}, Published{"densenet121.cnn", 7'978'856},
                      Published{"googlenet.cnn", 6'624'904},
                      Published{"mobilenet_v2.cnn", 3'504'872},
                      Published{"alexnet.cnn", 61'100'840},
                      // LeCun's LeNet-5 with a 10-way dense output: 156+2416+48120+10164+850.
                      Published{"lenet5.cnn", 61'706}),
    [](const auto& info) {
      std::string n = info.param.file;
      return n.substr(0, n.find('.'));
    });

TEST(ExampleModels, ShapesOfSmallerModels) {
  auto out_shape = [](const char* file) {
    ir::Graph g = parse_model_file(std::string(CNNC_SOURCE_DIR) + "/examples/models/" + file,
                                   global_registry());
    return g.shape_of(g.outputs().at(0));
  };
  EXPECT_EQ(out_shape("seq1d.cnn"), (ir::Shape{ir::kBatch, 5}));
  EXPECT_EQ(out_shape("video3d.cnn"), (ir::Shape{ir::kBatch, 10}));
  EXPECT_EQ(out_shape("alexnet_lrn.cnn"), (ir::Shape{ir::kBatch, 1000}));
}

TEST(ExampleModels, BatchnormStatisticsAreStateNotParameters) {
  ir::Graph g = parse_model_file(std::string(CNNC_SOURCE_DIR) + "/examples/models/resnet18.cnn",
                                 global_registry());
  const auto& mean = g.node(*g.find("bn1.running_mean"));
  EXPECT_EQ(mean.param.role, ir::ParamRole::State);
  EXPECT_EQ(g.node(*g.find("bn1.weight")).param.role, ir::ParamRole::Trainable);
}

}  // namespace
}  // namespace cnnc
