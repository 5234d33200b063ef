// Splits a .cnn file into tokens. Newlines are tokens: a statement is one
// line. Rejects what cannot be a model before parsing starts (binary data,
// invalid UTF-8, absurdly long lines), reporting where.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/diagnostics.h"

namespace cnnc::frontend {

enum class TokenKind {
  Ident,
  Int,
  Float,
  Equals,
  Comma,
  Colon,
  LBracket,
  RBracket,
  LParen,
  RParen,
  LBrace,
  RBrace,
  Newline,
  End,
  Invalid
};
std::string_view describe(TokenKind k);

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  ir::SourceLocation location;
  int64_t int_value = 0;
  double float_value = 0;
};

inline constexpr size_t kMaxLineLength = 64 * 1024;
inline constexpr size_t kMaxFileSize = 16 * 1024 * 1024;
inline constexpr size_t kMaxNameLength = 256;

// Tokens of `text`, ending with End. Problems go to `diag`; a file that is
// not text at all yields just End.
std::vector<Token> tokenize(const std::string& file, std::string_view text, DiagnosticEngine& diag);

}  // namespace cnnc::frontend
