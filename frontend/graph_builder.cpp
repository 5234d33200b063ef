#include "frontend/graph_builder.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>

namespace cnnc::frontend {

namespace {

constexpr int kMaxBlockDepth = 32;
constexpr int64_t kMaxRepeat = 10000;

// What a name in scope refers to: a tensor, or a failed layer whose
// consumers stay silent so one mistake gives one message.
struct Binding {
  std::optional<ir::TensorRef> tensor;
  ir::SourceTrace origin;
};

struct Frame {
  std::string prefix;                         // "stage2.1." inside an instance
  std::map<std::string, ast::Value> args;     // block parameters
  std::map<std::string, Binding> names;       // local layer names
  std::map<std::string, int> defined_later;   // local names defined further down: line
  std::optional<Binding> previous;            // what the next layer chains from
  std::vector<ir::SourceTrace::Frame> trace;  // instantiation sites, innermost first
  std::vector<std::string> active_blocks;
  std::map<std::string, int> auto_counts;
};

// At most 2^40 elements per batch item (4 TiB of floats): larger is a typo,
// and the bound keeps element, parameter and MAC counts within int64.
bool reasonable_size(const ir::Shape& s) {
  int64_t n = 1;
  for (auto d : s.dims) {
    if (d == ir::kBatch) continue;
    if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > (int64_t{1} << 40)) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + ("'" + v[i] + "'");
  return out;
}

std::string did_you_mean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return {};
  if (suggestions.size() == 1) return "did you mean '" + suggestions[0] + "'?";
  return "did you mean one of " + join(suggestions) + "?";
}

class Builder {
 public:
  Builder(const ast::Module& module, const ir::OpRegistry& ops, DiagnosticEngine& diag)
      : module_(module), ops_(ops), diag_(diag) {}

  std::optional<ir::Graph> run() {
    graph_.name = module_.model_name ? module_.model_name->name
                                     : std::filesystem::path(module_.file).stem().string();
    for (const auto& b : module_.blocks) {
      if (auto [it, fresh] = blocks_.emplace(b.name.name, &b); !fresh)
        error(b.name.location, fmt::format("block '{}' is defined twice", b.name.name),
              {fmt::format("first defined at line {}", it->second->name.location.line)});
      else if (ops_.find(b.name.name))
        error(b.name.location, fmt::format("block '{}' has the name of a built-in op", b.name.name),
              {}, "rename the block");
    }
    Frame top;
    collect_later_names(module_.statements, top);
    bool saw_output = false;
    for (const auto& st : module_.statements) {
      if (auto* o = std::get_if<ast::Output>(&st)) {
        saw_output = true;
        outputs(*o, top);
      } else {
        statement(st, top);
      }
    }
    if (!saw_output && !diag_.has_errors()) {
      int last_line = 1;
      for (const auto& st : module_.statements)
        std::visit(
            [&](const auto& s) {
              using T = std::decay_t<decltype(s)>;
              if constexpr (std::is_same_v<T, ast::Layer>)
                last_line = s.op_location.line;
              else if constexpr (std::is_same_v<T, ast::Input>)
                last_line = s.name.location.line;
              else if constexpr (std::is_same_v<T, ast::Repeat>)
                last_line = s.location.line;
            },
            st);
      error({module_.file, last_line, 1, 1}, "the model has no 'output' line", {},
            top.previous && top.previous->tensor
                ? fmt::format("add `output {}` to return the last layer",
                              graph_.node(top.previous->tensor->node).name)
                : "add `output NAME` naming the layer whose result the model returns");
    }
    if (graph_.input_nodes().empty() && !diag_.has_errors())
      error({module_.file, 1, 1, 1}, "the model has no 'input' line", {},
            "declare one, e.g. `input image [N, 1, 28, 28]`");
    if (diag_.has_errors()) return std::nullopt;
    return std::move(graph_);
  }

 private:
  void error(ir::SourceLocation at, std::string msg, std::vector<std::string> notes = {},
             std::string help = {}, const Frame* frame = nullptr) {
    Diagnostic d{.location = std::move(at),
                 .message = std::move(msg),
                 .notes = std::move(notes),
                 .help = std::move(help)};
    if (frame) d.instantiated_from = frame->trace;
    diag_.error(std::move(d));
  }

  static void collect_later_names(const std::vector<ast::Statement>& body, Frame& f) {
    for (const auto& st : body) {
      if (auto* l = std::get_if<ast::Layer>(&st); l && l->name)
        f.defined_later.emplace(l->name->name, l->name->location.line);
      if (auto* r = std::get_if<ast::Repeat>(&st); r && r->instance.name)
        f.defined_later.emplace(r->instance.name->name, r->instance.name->location.line);
      if (auto* in = std::get_if<ast::Input>(&st))
        f.defined_later.emplace(in->name.name, in->name.location.line);
    }
  }

  ir::SourceTrace trace_at(const ir::SourceLocation& at, const Frame& f) const {
    ir::SourceTrace t;
    t.location = at;
    t.instantiated_from = f.trace;
    return t;
  }

  void statement(const ast::Statement& st, Frame& f) {
    if (auto* in = std::get_if<ast::Input>(&st)) return input(*in, f);
    if (auto* l = std::get_if<ast::Layer>(&st)) return layer(*l, f, std::nullopt);
    if (auto* r = std::get_if<ast::Repeat>(&st)) return repeat(*r, f);
  }

  // Substitutes block parameters into a value (also inside lists).
  ast::Value substitute(const ast::Value& v, const Frame& f) const {
    if (v.kind == ast::Value::Kind::Ident) {
      if (auto it = f.args.find(v.ident); it != f.args.end()) {
        ast::Value out = it->second;
        out.location = v.location;
        return out;
      }
      return v;
    }
    if (v.kind == ast::Value::Kind::List) {
      ast::Value out = v;
      for (auto& item : out.items) item = substitute(item, f);
      return out;
    }
    return v;
  }

  std::optional<ir::Shape> shape(const ast::ShapeExpr& s, const Frame& f, bool allow_batch) {
    ir::Shape out;
    bool ok = true;
    for (const auto& raw : s.dims) {
      auto d = substitute(raw, f);
      if (d.kind == ast::Value::Kind::Ident && d.ident == "N" && allow_batch)
        out.dims.push_back(ir::kBatch);
      else if (d.kind == ast::Value::Kind::Int && d.int_value > 0)
        out.dims.push_back(d.int_value);
      else {
        error(d.location, "a shape dimension must be a positive integer or N (the batch size)", {},
              {}, &f);
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (!reasonable_size(out)) {
      error(s.location,
            fmt::format("shape {} is too large (more than 2^40 elements per item)",
                        ir::to_string(out)),
            {}, {}, &f);
      return std::nullopt;
    }
    return out;
  }

  bool define(const ast::NameRef& name, const std::string& full, Binding b, Frame& f) {
    if (name.name == "in" && !f.trace.empty()) {
      error(name.location, "'in' names a block's input and cannot name a layer", {}, {}, &f);
      return false;
    }
    if (auto it = global_names_.find(full); it != global_names_.end()) {
      error(name.location, fmt::format("duplicate layer name '{}'", full),
            {fmt::format("first defined at {}", it->second.describe())},
            "give each layer its own name", &f);
      return false;
    }
    global_names_.emplace(full, b.origin);
    f.names[name.name] = b;
    f.previous = std::move(b);
    return true;
  }

  void input(const ast::Input& in, Frame& f) {
    auto s = shape(in.shape, f, true);
    if (!s) return;
    ir::Node node;
    node.kind = ir::NodeKind::Input;
    node.name = in.name.name;
    node.source = trace_at(in.name.location, f);
    node.outputs = {*s};
    if (global_names_.count(in.name.name)) {
      define(in.name, in.name.name, {}, f);  // reports the duplicate
      return;
    }
    auto id = graph_.add_node(std::move(node));
    define(in.name, in.name.name, Binding{ir::TensorRef{id, 0}, trace_at(in.name.location, f)}, f);
  }

  void outputs(const ast::Output& o, Frame& f) {
    for (const auto& n : o.names) {
      auto b = resolve(n, f);
      if (b && b->tensor) {
        if (std::find(graph_.outputs().begin(), graph_.outputs().end(), *b->tensor) !=
            graph_.outputs().end())
          error(n.location, fmt::format("'{}' is listed as an output twice", n.name));
        else
          graph_.add_output(*b->tensor);
      }
    }
  }

  // Looks a name up: local names, then `in`, then (at top level) any
  // qualified layer name such as stage4.2.relu.
  std::optional<Binding> resolve(const ast::NameRef& n, const Frame& f) {
    if (auto it = f.names.find(n.name); it != f.names.end()) return it->second;
    if (n.name == "in" && !f.trace.empty()) {
      if (f.active_blocks.empty() || !block_input_.count(f.prefix)) return std::nullopt;
      return block_input_.at(f.prefix);
    }
    if (f.trace.empty()) {
      if (auto id = graph_.find(n.name))
        return Binding{ir::TensorRef{*id, 0}, graph_.node(*id).source};
    }
    if (auto it = f.defined_later.find(n.name); it != f.defined_later.end()) {
      error(n.location,
            fmt::format("'{}' is used before it is defined (line {})", n.name, it->second),
            {"a layer can only take inputs from layers above it, which also rules out cycles"},
            "move the layer below the one it reads from", &f);
      return std::nullopt;
    }
    std::vector<std::string> pool;
    for (const auto& [k, _] : f.names) pool.push_back(k);
    if (!f.trace.empty()) pool.push_back("in");
    error(n.location, fmt::format("unknown layer '{}'", n.name), {},
          did_you_mean(ir::closest_names(n.name, pool)), &f);
    return std::nullopt;
  }

  std::string unique_auto_name(const std::string& base, Frame& f) {
    for (;;) {
      std::string candidate = fmt::format("{}_{}", base, ++f.auto_counts[base]);
      if (!f.names.count(candidate) && !f.defined_later.count(candidate) &&
          !global_names_.count(f.prefix + candidate))
        return candidate;
    }
  }

  void layer(const ast::Layer& l, Frame& f, std::optional<std::string> forced_name) {
    if (blocks_.count(l.op)) return instance(l, f, std::move(forced_name), l.op_location);
    const ir::OpDef* def = ops_.find(l.op);
    if (!def) {
      auto pool = ops_.names();
      for (const auto& [b, _] : blocks_) pool.push_back(b);
      pool.insert(pool.end(), {"input", "output", "repeat", "block", "model"});
      auto hint = did_you_mean(ir::closest_names(l.op, pool));
      error(l.op_location, fmt::format("unknown op '{}'", l.op), {},
            hint.empty() ? "`cnnc ops` lists every op" : hint, &f);
      poison(l, f);
      return;
    }
    ast::NameRef local = local_name(l, f, forced_name);
    std::string full = f.prefix + local.name;
    ir::SourceTrace origin = trace_at(l.op_location, f);

    // Attributes against the schema; every problem is reported.
    bool ok = true;
    ir::AttrMap attrs;
    std::map<std::string, const ast::Attr*> seen;
    for (const auto& a : l.attrs) {
      const ir::AttrSpec* spec = def->find_attr(a.key);
      if (!spec) {
        std::vector<std::string> pool;
        for (const auto& s : def->attrs) pool.push_back(s.name);
        auto hint = did_you_mean(ir::closest_names(a.key, pool));
        error(a.key_location, fmt::format("unknown attribute '{}' for op '{}'", a.key, l.op), {},
              hint.empty() ? (pool.empty() ? fmt::format("'{}' takes no attributes", l.op)
                                           : "its attributes are " + join(pool))
                           : hint,
              &f);
        ok = false;
        continue;
      }
      if (auto [it, fresh] = seen.emplace(a.key, &a); !fresh) {
        error(a.key_location, fmt::format("duplicate attribute '{}'", a.key),
              {fmt::format("first given at column {}", it->second->key_location.column)},
              "give each attribute once", &f);
        ok = false;
        continue;
      }
      auto value = substitute(a.value, f);
      auto raw = to_attr_value(value, f);
      if (!raw) {
        ok = false;
        continue;
      }
      try {
        attrs.set(a.key, ir::coerce_attr(*spec, *raw));
      } catch (const ir::AttrError& e) {
        error(value.location, fmt::format("layer '{}': {}", full, e.what()), {},
              spec->doc.empty() ? "" : spec->name + ": " + spec->doc, &f);
        ok = false;
      }
    }
    // A misspelled attribute is most likely the missing one: report the
    // misspelling only, not a second error for the same mistake.
    bool misspelled = !ok;
    for (const auto& spec : def->attrs) {
      if (attrs.has(spec.name) || seen.count(spec.name)) continue;
      if (spec.default_value)
        attrs.set(spec.name, *spec.default_value);
      else if (!spec.optional && !misspelled) {
        error(l.op_location,
              fmt::format("layer '{}': op '{}' needs attribute '{}'", full, l.op, spec.name), {},
              fmt::format("add {}=... ({})", spec.name, spec.doc), &f);
        ok = false;
      }
    }

    // Inputs: `from=` or the previous layer.
    std::vector<Binding> inputs;
    if (l.from) {
      for (const auto& n : *l.from) {
        if (n.name == local.name) {
          error(n.location,
                fmt::format("layer '{}' takes its own output as input: that is a cycle", full), {},
                {}, &f);
          ok = false;
          continue;
        }
        auto b = resolve(n, f);
        if (!b)
          ok = false;
        else
          inputs.push_back(*b);
      }
    } else if (f.previous) {
      inputs.push_back(*f.previous);
    } else {
      error(
          l.op_location, fmt::format("layer '{}' has no input: nothing comes before it", full), {},
          "declare an input first, e.g. `input image [N, 1, 28, 28]`, or name one with from=", &f);
      ok = false;
    }
    int n_in = static_cast<int>(inputs.size());
    if (ok && (n_in < def->min_inputs || (def->max_inputs >= 0 && n_in > def->max_inputs))) {
      std::string want = def->max_inputs < 0 ? fmt::format("at least {}", def->min_inputs)
                         : def->min_inputs == def->max_inputs
                             ? fmt::format("{}", def->min_inputs)
                             : fmt::format("{} to {}", def->min_inputs, def->max_inputs);
      error(l.from ? l.from_location : l.op_location,
            fmt::format("op '{}' takes {} input{}, layer '{}' gives it {}", l.op, want,
                        want == "1" ? "" : "s", full, n_in),
            {}, def->min_inputs > 1 ? "name the inputs with from=a,b" : "", &f);
      ok = false;
    }
    bool upstream_failed = false;
    for (const auto& b : inputs) upstream_failed |= !b.tensor.has_value();
    if (!ok || upstream_failed) {
      define(local, full, Binding{std::nullopt, origin}, f);
      return;
    }

    // Parameters and shapes.
    std::vector<ir::Shape> shapes;
    for (const auto& b : inputs) shapes.push_back(graph_.shape_of(*b.tensor));
    std::vector<ir::ParamSpec> params;
    std::vector<ir::Shape> outs;
    try {
      if (def->params) params = def->params(ir::OpContext{attrs, shapes, shapes.size()});
      std::vector<ir::Shape> all = shapes;
      for (const auto& p : params) all.push_back(p.shape);
      outs = def->infer(ir::OpContext{attrs, all, shapes.size()});
      for (const auto& p : params)
        if (!reasonable_size(p.shape))
          throw ir::OpError(
              fmt::format("parameter '{}' of shape {} is too large (more than 2^40 elements)",
                          p.suffix, ir::to_string(p.shape)));
      for (const auto& o : outs)
        if (!reasonable_size(o))
          throw ir::OpError(fmt::format(
              "output shape {} is too large (more than 2^40 elements per item)", ir::to_string(o)));
    } catch (const ir::OpError& e) {
      report_op_error(e, l, full, inputs, f);
      define(local, full, Binding{std::nullopt, origin}, f);
      return;
    } catch (const ir::AttrError& e) {
      report_op_error(ir::OpError(e.what()), l, full, inputs, f);
      define(local, full, Binding{std::nullopt, origin}, f);
      return;
    }

    ir::Node node;
    node.name = full;
    node.op = l.op;
    node.attrs = std::move(attrs);
    node.source = origin;
    node.outputs = outs;
    if (l.assertion) {
      node.asserted_shape = shape(*l.assertion, f, true);
      if (node.asserted_shape && *node.asserted_shape != outs.at(0)) {
        error(l.assertion->location,
              fmt::format("layer '{}' has shape {}, but the model asserts {}", full,
                          ir::to_string(outs.at(0)), ir::to_string(*node.asserted_shape)),
              {}, "fix the assertion or the layer's attributes", &f);
        define(local, full, Binding{std::nullopt, origin}, f);
        return;
      }
    }
    if (global_names_.count(full)) {
      define(local, full, Binding{}, f);  // reports the duplicate
      return;
    }
    auto id = graph_.add_node(std::move(node));
    for (size_t i = 0; i < inputs.size(); ++i)
      graph_.connect(*inputs[i].tensor, id, static_cast<int>(i));
    for (size_t i = 0; i < params.size(); ++i) {
      ir::Node p;
      p.kind = ir::NodeKind::Param;
      p.name = full + "." + params[i].suffix;
      p.source = origin;
      p.outputs = {params[i].shape};
      p.param = params[i];
      auto pid = graph_.add_node(std::move(p));
      graph_.connect({pid, 0}, id, static_cast<int>(inputs.size() + i));
    }
    define(local, full, Binding{ir::TensorRef{id, 0}, origin}, f);
  }

  // The layer's name as written, or the one given to it.
  ast::NameRef local_name(const ast::Layer& l, Frame& f,
                          const std::optional<std::string>& forced = {}) {
    if (l.name) return *l.name;
    return {forced.value_or(unique_auto_name(l.op, f)), l.op_location};
  }

  void poison(const ast::Layer& l, Frame& f) {
    ast::NameRef local = local_name(l, f);
    define(local, f.prefix + local.name, Binding{std::nullopt, trace_at(l.op_location, f)}, f);
  }

  void report_op_error(const ir::OpError& e, const ast::Layer& l, const std::string& full,
                       const std::vector<Binding>& inputs, const Frame& f) {
    ir::SourceLocation at = l.op_location;
    if (!e.attr.empty()) {
      for (const auto& a : l.attrs)
        if (a.key == e.attr) at = a.key_location;
    } else if (e.input >= 0 && l.from && static_cast<size_t>(e.input) < l.from->size()) {
      at = (*l.from)[static_cast<size_t>(e.input)].location;
    }
    std::vector<std::string> notes;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& node = graph_.node(inputs[i].tensor->node);
      notes.push_back(fmt::format("input {} is '{}' with shape {}, from {}", i, node.name,
                                  ir::to_string(graph_.shape_of(*inputs[i].tensor)),
                                  inputs[i].origin.describe()));
    }
    error(at, fmt::format("layer '{}' ({}): {}", full, l.op, e.what()), notes, {}, &f);
  }

  std::optional<ir::AttrValue> to_attr_value(const ast::Value& v, const Frame& f) {
    switch (v.kind) {
      case ast::Value::Kind::Int:
        return ir::AttrValue{v.int_value};
      case ast::Value::Kind::Float:
        return ir::AttrValue{v.float_value};
      case ast::Value::Kind::Ident:
        return ir::AttrValue{v.ident};
      case ast::Value::Kind::List: {
        bool all_int = true;
        for (const auto& item : v.items) {
          if (item.kind == ast::Value::Kind::Ident || item.kind == ast::Value::Kind::List) {
            error(item.location, fmt::format("list items must be numbers, got '{}'", item.ident),
                  {}, f.trace.empty() ? "" : "block parameters in a list must be given numbers",
                  &f);
            return std::nullopt;
          }
          all_int &= item.kind == ast::Value::Kind::Int;
        }
        if (all_int) {
          std::vector<int64_t> out;
          for (const auto& item : v.items) out.push_back(item.int_value);
          return ir::AttrValue{out};
        }
        std::vector<double> out;
        for (const auto& item : v.items)
          out.push_back(item.kind == ast::Value::Kind::Int ? static_cast<double>(item.int_value)
                                                           : item.float_value);
        return ir::AttrValue{out};
      }
    }
    return std::nullopt;
  }

  void repeat(const ast::Repeat& r, Frame& f) {
    auto count = substitute(r.count, f);
    if (count.kind != ast::Value::Kind::Int) {
      error(count.location, "the repeat count must be an integer", {}, {}, &f);
      return;
    }
    if (count.int_value < 1 || count.int_value > kMaxRepeat) {
      error(count.location,
            fmt::format("repeat count {} is out of range: it must be between 1 and {}",
                        count.int_value, kMaxRepeat),
            {}, count.int_value == 0 ? "remove the line to instantiate the block zero times" : "",
            &f);
      return;
    }
    if (!blocks_.count(r.instance.op)) {
      if (ops_.find(r.instance.op))
        error(r.instance.op_location,
              fmt::format("'repeat' instantiates blocks; '{}' is an op", r.instance.op), {},
              "define a block containing the layer, or write the layer several times", &f);
      else {
        std::vector<std::string> pool;
        for (const auto& [b, _] : blocks_) pool.push_back(b);
        error(r.instance.op_location, fmt::format("unknown block '{}'", r.instance.op), {},
              did_you_mean(ir::closest_names(r.instance.op, pool)), &f);
      }
      return;
    }
    std::string base = r.instance.name ? r.instance.name->name : unique_auto_name(r.instance.op, f);
    // Instances are named base.1 ... base.K so their layers get stable,
    // predictable weight names (stage2.1.conv_a).
    for (int64_t i = 1; i <= count.int_value; ++i) {
      ast::Layer inst = r.instance;
      inst.name =
          ast::NameRef{fmt::format("{}.{}", base, i),
                       r.instance.name ? r.instance.name->location : r.instance.op_location};
      instance(inst, f, std::nullopt, r.location);
    }
    // The base name refers to the last instance's output.
    if (f.previous && !f.names.count(base)) f.names[base] = *f.previous;
  }

  void instance(const ast::Layer& l, Frame& f, std::optional<std::string> forced_name,
                const ir::SourceLocation& site) {
    const ast::Block& block = *blocks_.at(l.op);
    if (std::find(f.active_blocks.begin(), f.active_blocks.end(), l.op) != f.active_blocks.end() ||
        f.active_blocks.size() >= kMaxBlockDepth) {
      error(l.op_location, fmt::format("block '{}' instantiates itself", l.op), {},
            "blocks cannot be recursive", &f);
      poison(l, f);
      return;
    }
    ast::NameRef local = local_name(l, f, forced_name);
    std::string full = f.prefix + local.name;
    if (auto it = global_names_.find(full); it != global_names_.end()) {
      error(local.location, fmt::format("duplicate layer name '{}'", full),
            {fmt::format("first defined at {}", it->second.describe())},
            "give each block instance its own name", &f);
      return;
    }
    global_names_.emplace(full, trace_at(l.op_location, f));
    Frame inner;
    inner.prefix = full + ".";
    inner.trace.push_back({l.op, site});
    inner.trace.insert(inner.trace.end(), f.trace.begin(), f.trace.end());
    inner.active_blocks = f.active_blocks;
    inner.active_blocks.push_back(l.op);

    // Arguments: each parameter once, all without a default given.
    bool ok = true;
    std::set<std::string> given;
    for (const auto& a : l.attrs) {
      bool known = false;
      for (const auto& p : block.params) known |= p.name.name == a.key;
      if (!known) {
        std::vector<std::string> pool;
        for (const auto& p : block.params) pool.push_back(p.name.name);
        auto hint = did_you_mean(ir::closest_names(a.key, pool));
        error(a.key_location, fmt::format("block '{}' has no parameter '{}'", l.op, a.key), {},
              hint.empty()
                  ? (pool.empty() ? "it takes no parameters" : "its parameters are " + join(pool))
                  : hint,
              &f);
        ok = false;
        continue;
      }
      if (!given.insert(a.key).second) {
        error(a.key_location, fmt::format("duplicate argument '{}'", a.key), {}, {}, &f);
        ok = false;
        continue;
      }
      inner.args[a.key] = substitute(a.value, f);
    }
    for (const auto& p : block.params) {
      if (inner.args.count(p.name.name)) continue;
      if (p.default_value)
        inner.args[p.name.name] = substitute(*p.default_value, f);
      else {
        error(l.op_location, fmt::format("block '{}' needs argument '{}'", l.op, p.name.name),
              {fmt::format("block '{}' is defined at line {} with {} parameter{}", l.op,
                           block.name.location.line, block.params.size(),
                           block.params.size() == 1 ? "" : "s")},
              fmt::format("add {}=...", p.name.name), &f);
        ok = false;
      }
    }
    std::optional<Binding> in = f.previous;
    if (l.from) {
      if (l.from->size() != 1) {
        error(l.from_location,
              fmt::format("block '{}' takes one input, given {}", l.op, l.from->size()), {}, {},
              &f);
        ok = false;
      } else {
        in = resolve(l.from->front(), f);
        if (!in) ok = false;
      }
    }
    if (!in) {
      if (ok)
        error(l.op_location, fmt::format("block instance '{}' has no input", full), {}, {}, &f);
      ok = false;
    }
    if (!ok || !in->tensor) {
      f.names[local.name] = f.previous.emplace(Binding{std::nullopt, trace_at(l.op_location, f)});
      return;
    }
    block_input_[inner.prefix] = *in;
    inner.previous = *in;
    collect_later_names(block.body, inner);
    for (const auto& st : block.body) statement(st, inner);
    // The instance's name stands for its last layer's output.
    Binding result = inner.previous ? *inner.previous : Binding{};
    if (l.assertion && result.tensor) {
      auto want = shape(*l.assertion, f, true);
      const ir::Shape& got = graph_.shape_of(*result.tensor);
      if (want && *want != got) {
        error(l.assertion->location,
              fmt::format("block instance '{}' has shape {}, but the model asserts {}", full,
                          ir::to_string(got), ir::to_string(*want)),
              {}, "fix the assertion or the block's arguments", &f);
        result.tensor.reset();
      }
    }
    f.names[local.name] = result;
    f.previous = result;
  }

  const ast::Module& module_;
  const ir::OpRegistry& ops_;
  DiagnosticEngine& diag_;
  ir::Graph graph_;
  std::map<std::string, const ast::Block*> blocks_;
  std::map<std::string, ir::SourceTrace> global_names_;
  std::map<std::string, Binding> block_input_;  // by instance prefix
};

}  // namespace

std::optional<ir::Graph> build_graph(const ast::Module& module, const ir::OpRegistry& ops,
                                     DiagnosticEngine& diag) {
  return Builder(module, ops, diag).run();
}

}  // namespace cnnc::frontend
