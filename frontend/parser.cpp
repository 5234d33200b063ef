#include "frontend/parser.h"

#include <fmt/format.h>

#include "frontend/lexer.h"

namespace cnnc::frontend {

namespace {

struct SyntaxError {};  // unwinds to the statement loop, which skips the line

class Parser {
 public:
  Parser(const std::string& file, std::vector<Token> tokens, DiagnosticEngine& diag)
      : tokens_(std::move(tokens)), diag_(diag) {
    module_.file = file;
  }

  ast::Module run() {
    while (!at(TokenKind::End)) {
      if (accept(TokenKind::Newline)) continue;
      try {
        top_level_statement();
      } catch (const SyntaxError&) {
        skip_line();
      }
    }
    return std::move(module_);
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool at(TokenKind k) const { return peek().kind == k; }
  bool accept(TokenKind k) {
    if (!at(k)) return false;
    ++pos_;
    return true;
  }
  const Token& advance() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

  [[noreturn]] void fail(const Token& t, std::string msg, std::string help = {}) {
    // The lexer already reported invalid tokens.
    if (t.kind != TokenKind::Invalid)
      diag_.error(
          Diagnostic{.location = t.location, .message = std::move(msg), .help = std::move(help)});
    throw SyntaxError{};
  }
  const Token& expect(TokenKind k, std::string_view what) {
    if (!at(k)) fail(peek(), fmt::format("expected {}, found {}", what, found(peek())));
    return advance();
  }
  static std::string found(const Token& t) {
    if (t.kind == TokenKind::Ident || t.kind == TokenKind::Int || t.kind == TokenKind::Float)
      return "'" + t.text + "'";
    return std::string(describe(t.kind));
  }
  void expect_line_end() {
    if (!at(TokenKind::Newline) && !at(TokenKind::End) && !at(TokenKind::RBrace))
      fail(peek(), fmt::format("unexpected {} at the end of the statement", found(peek())),
           "one statement a line: op, optional name, then key=value attributes");
    accept(TokenKind::Newline);
  }
  void skip_line() {
    while (!at(TokenKind::Newline) && !at(TokenKind::End)) ++pos_;
    accept(TokenKind::Newline);
  }

  void top_level_statement() {
    const Token& t = peek();
    if (t.kind == TokenKind::Ident && t.text == "model") {
      advance();
      const Token& name = expect(TokenKind::Ident, "the model's name after 'model'");
      if (module_.model_name)
        fail(name, "the model is named twice",
             fmt::format("it was named at line {}", module_.model_name->location.line));
      module_.model_name = ast::NameRef{name.text, name.location};
      expect_line_end();
      return;
    }
    if (t.kind == TokenKind::Ident && t.text == "block") return block();
    module_.statements.push_back(statement());
  }

  ast::Statement statement() {
    const Token& t = peek();
    if (t.kind == TokenKind::RBrace) fail(t, "'}' without a matching 'block ... {'");
    if (t.kind != TokenKind::Ident)
      fail(t, fmt::format("expected an op name, found {}", found(t)),
           "a layer line starts with its op, e.g. `conv2d c1 filters=6 kernel=5`");
    if (t.text == "input") {
      advance();
      ast::Input in;
      const Token& name = expect(TokenKind::Ident, "the input's name after 'input'");
      in.name = {name.text, name.location};
      if (!at(TokenKind::LBracket))
        fail(peek(), fmt::format("expected the input's shape, e.g. [N, 3, 224, 224], found {}",
                                 found(peek())));
      in.shape = shape();
      expect_line_end();
      return in;
    }
    if (t.text == "output") {
      ast::Output out;
      out.location = advance().location;
      do {
        const Token& name = expect(TokenKind::Ident, "a layer name after 'output'");
        out.names.push_back({name.text, name.location});
      } while (accept(TokenKind::Comma) || at(TokenKind::Ident));
      expect_line_end();
      return out;
    }
    if (t.text == "repeat") {
      ast::Repeat r;
      r.location = advance().location;
      if (!at(TokenKind::Int) && !at(TokenKind::Ident))
        fail(peek(), fmt::format("expected a repeat count after 'repeat', found {}", found(peek())),
             "write `repeat 3 block_name name args...`");
      r.count = value();
      if (!at(TokenKind::Ident))
        fail(peek(),
             fmt::format("expected a block name after the repeat count, found {}", found(peek())));
      r.instance = layer();
      return r;
    }
    if (t.text == "model" || t.text == "block")
      fail(t, fmt::format("'{}' is only allowed at the top level of the file", t.text));
    return layer();
  }

  ast::Layer layer() {
    ast::Layer l;
    const Token& op = advance();
    l.op = op.text;
    l.op_location = op.location;
    if (at(TokenKind::Ident) && peek(1).kind != TokenKind::Equals) {
      const Token& name = advance();
      l.name = ast::NameRef{name.text, name.location};
    }
    while (at(TokenKind::Ident)) {
      const Token& key = advance();
      if (!at(TokenKind::Equals))
        fail(peek(),
             fmt::format("expected '=' after attribute '{}', found {}", key.text, found(peek())),
             "attributes are written key=value; a layer has at most one name, right after its op");
      advance();
      if (key.text == "from") {
        if (l.from) fail(key, "duplicate attribute 'from'");
        l.from_location = peek().location;
        l.from = names();
        continue;
      }
      l.attrs.push_back(ast::Attr{key.text, key.location, value()});
    }
    if (accept(TokenKind::Colon)) {
      if (!at(TokenKind::LBracket))
        fail(peek(), fmt::format("expected a shape after ':', e.g. [N, 6, 28, 28], found {}",
                                 found(peek())));
      l.assertion = shape();
    }
    expect_line_end();
    return l;
  }

  std::vector<ast::NameRef> names() {
    std::vector<ast::NameRef> out;
    bool bracketed = accept(TokenKind::LBracket);
    do {
      const Token& n = expect(TokenKind::Ident, "a layer name in 'from='");
      out.push_back({n.text, n.location});
    } while (accept(TokenKind::Comma));
    if (bracketed) expect(TokenKind::RBracket, "']' closing the list of names");
    return out;
  }

  ast::Value value() {
    const Token& t = peek();
    ast::Value v;
    v.location = t.location;
    switch (t.kind) {
      case TokenKind::Int:
        v.kind = ast::Value::Kind::Int;
        v.int_value = t.int_value;
        advance();
        break;
      case TokenKind::Float:
        v.kind = ast::Value::Kind::Float;
        v.float_value = t.float_value;
        advance();
        break;
      case TokenKind::Ident:
        v.kind = ast::Value::Kind::Ident;
        v.ident = t.text;
        advance();
        break;
      case TokenKind::LBracket: {
        advance();
        v.kind = ast::Value::Kind::List;
        if (at(TokenKind::RBracket))
          fail(peek(), "empty list", "write at least one value, e.g. [3, 3]");
        do {
          if (at(TokenKind::LBracket)) fail(peek(), "lists cannot be nested");
          v.items.push_back(value());
        } while (accept(TokenKind::Comma));
        const Token& close = expect(TokenKind::RBracket, "',' or ']' in the list");
        v.location.length = close.location.column + 1 - v.location.column;
        break;
      }
      default:
        fail(t, fmt::format("expected a value, found {}", found(t)),
             "values are numbers, names like relu, or lists like [3, 3]");
    }
    return v;
  }

  ast::ShapeExpr shape() {
    ast::ShapeExpr s;
    s.location = peek().location;
    ast::Value list = value();
    if (list.kind != ast::Value::Kind::List) fail(peek(), "expected a shape in brackets");
    s.dims = std::move(list.items);
    s.location.length = list.location.length;
    return s;
  }

  void block() {
    const Token& kw = advance();
    ast::Block b;
    const Token& name = expect(TokenKind::Ident, "the block's name after 'block'");
    b.name = {name.text, name.location};
    expect(TokenKind::LParen, "'(' and the block's parameters");
    if (!at(TokenKind::RParen)) {
      do {
        const Token& p = expect(TokenKind::Ident, "a parameter name");
        ast::Param param{{p.text, p.location}, std::nullopt};
        if (accept(TokenKind::Equals)) param.default_value = value();
        b.params.push_back(std::move(param));
      } while (accept(TokenKind::Comma));
    }
    expect(TokenKind::RParen, "')' closing the parameter list");
    expect(TokenKind::LBrace, "'{' opening the block's body");
    accept(TokenKind::Newline);
    while (!at(TokenKind::RBrace)) {
      if (at(TokenKind::End)) {
        diag_.error({.location = kw.location,
                     .message = fmt::format("block '{}' is never closed", b.name.name),
                     .help = "add a line with '}' after the block's last layer"});
        module_.blocks.push_back(std::move(b));
        return;
      }
      if (accept(TokenKind::Newline)) continue;
      if (at(TokenKind::Ident) && peek().text == "block")
        fail(peek(), "blocks cannot be defined inside blocks");
      try {
        auto st = statement();
        if (std::holds_alternative<ast::Input>(st) || std::holds_alternative<ast::Output>(st))
          diag_.error({.location = std::holds_alternative<ast::Input>(st)
                                       ? std::get<ast::Input>(st).name.location
                                       : std::get<ast::Output>(st).location,
                       .message = "'input' and 'output' are not allowed inside a block",
                       .help = "a block takes the previous layer's output (named `in`) and returns "
                               "its last layer"});
        else
          b.body.push_back(std::move(st));
      } catch (const SyntaxError&) {
        skip_line();
      }
    }
    advance();  // '}'
    expect_line_end();
    module_.blocks.push_back(std::move(b));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  DiagnosticEngine& diag_;
  ast::Module module_;
};

}  // namespace

ast::Module parse(const std::string& file, std::string_view text, DiagnosticEngine& diag) {
  return Parser(file, tokenize(file, text, diag), diag).run();
}

}  // namespace cnnc::frontend
