// The syntax tree of a .cnn file, before blocks are expanded and names
// resolved. Plain structs; the parser builds them, the graph builder reads them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ir/source_location.h"

namespace cnnc::frontend::ast {

struct Value {
  enum class Kind { Int, Float, Ident, List } kind = Kind::Int;
  int64_t int_value = 0;
  double float_value = 0;
  std::string ident;
  std::vector<Value> items;
  ir::SourceLocation location;
};

struct Attr {
  std::string key;
  ir::SourceLocation key_location;
  Value value;
};

struct NameRef {
  std::string name;
  ir::SourceLocation location;
};

// `[N, 3, 224, 224]`; a dim is an integer, `N`, or a block parameter.
struct ShapeExpr {
  std::vector<Value> dims;
  ir::SourceLocation location;
};

// `op [name] key=value ... [from=a,b] [: shape]`; also a block instance.
struct Layer {
  std::string op;
  ir::SourceLocation op_location;
  std::optional<NameRef> name;
  std::vector<Attr> attrs;
  std::optional<std::vector<NameRef>> from;
  ir::SourceLocation from_location;
  std::optional<ShapeExpr> assertion;
};

struct Input {
  NameRef name;
  ShapeExpr shape;
};

struct Output {
  std::vector<NameRef> names;
  ir::SourceLocation location;
};

// `repeat K block [name] args...`
struct Repeat {
  Value count;
  ir::SourceLocation location;
  Layer instance;
};

using Statement = std::variant<Layer, Input, Output, Repeat>;

struct Param {
  NameRef name;
  std::optional<Value> default_value;
};

struct Block {
  NameRef name;
  std::vector<Param> params;
  std::vector<Statement> body;
};

struct Module {
  std::string file;
  std::optional<NameRef> model_name;
  std::vector<Statement> statements;
  std::vector<Block> blocks;
};

}  // namespace cnnc::frontend::ast
