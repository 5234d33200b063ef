#include "frontend/lexer.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace cnnc::frontend {

std::string_view describe(TokenKind k) {
  switch (k) {
    case TokenKind::Ident:
      return "a name";
    case TokenKind::Int:
      return "an integer";
    case TokenKind::Float:
      return "a number";
    case TokenKind::Equals:
      return "'='";
    case TokenKind::Comma:
      return "','";
    case TokenKind::Colon:
      return "':'";
    case TokenKind::LBracket:
      return "'['";
    case TokenKind::RBracket:
      return "']'";
    case TokenKind::LParen:
      return "'('";
    case TokenKind::RParen:
      return "')'";
    case TokenKind::LBrace:
      return "'{'";
    case TokenKind::RBrace:
      return "'}'";
    case TokenKind::Newline:
      return "the end of the line";
    case TokenKind::End:
      return "the end of the file";
    case TokenKind::Invalid:
      return "an invalid character";
  }
  return "?";
}

namespace {

// Length of the UTF-8 sequence at `s`, or 0 if it is not valid UTF-8.
size_t utf8_length(std::string_view s) {
  auto b = static_cast<unsigned char>(s[0]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((static_cast<unsigned char>(s[i]) >> 6) != 0x2) return 0;
  if (n == 2 && b < 0xC2) return 0;  // overlong
  return n;
}

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Lexer {
 public:
  Lexer(const std::string& file, std::string_view text, DiagnosticEngine& diag)
      : file_(file), text_(text), diag_(diag) {}

  std::vector<Token> run() {
    if (!check_text()) return {Token{TokenKind::End, "", loc(0, 1)}};
    while (pos_ < text_.size()) next();
    tokens_.push_back(Token{TokenKind::Newline, "", loc(pos_, 1)});
    tokens_.push_back(Token{TokenKind::End, "", loc(pos_, 1)});
    return tokens_;
  }

 private:
  ir::SourceLocation loc(size_t at, size_t length) const {
    return {file_, line_, static_cast<int>(at - line_start_) + 1, static_cast<int>(length)};
  }

  void error(size_t at, size_t length, std::string msg, std::string help = {}) {
    diag_.error(Diagnostic{
        .location = loc(at, length), .message = std::move(msg), .help = std::move(help)});
  }

  // Whole-file checks; false if the file cannot be tokenized at all.
  bool check_text() {
    if (text_.size() > kMaxFileSize) {
      diag_.error({.location = {file_, 0, 0, 1},
                   .message = fmt::format("file is {} bytes; model files are limited to {} bytes",
                                          text_.size(), kMaxFileSize)});
      return false;
    }
    size_t line = 1, start = 0;
    for (size_t i = 0; i < text_.size();) {
      char c = text_[i];
      if (c == '\0') {
        diag_.error(
            {.location = {file_, static_cast<int>(line), static_cast<int>(i - start) + 1, 1},
             .message = "file contains a NUL byte: this is binary data, not a .cnn model text",
             .help = "pass the model's text file; weights go in --weights"});
        return false;
      }
      if (c == '\n') {
        if (i - start > kMaxLineLength) {
          diag_.error(
              {.location = {file_, static_cast<int>(line), 1, 1},
               .message = fmt::format("line {} is {} characters long; lines are limited to {}",
                                      line, i - start, kMaxLineLength)});
          return false;
        }
        ++line;
        start = ++i;
        continue;
      }
      size_t n = utf8_length(text_.substr(i));
      if (n == 0) {
        diag_.error(
            {.location = {file_, static_cast<int>(line), static_cast<int>(i - start) + 1, 1},
             .message = fmt::format("invalid UTF-8 byte 0x{:02X}", static_cast<unsigned char>(c)),
             .help = "save the model file as UTF-8 text"});
        return false;
      }
      i += n;
    }
    if (text_.size() - start > kMaxLineLength) {
      diag_.error({.location = {file_, static_cast<int>(line), 1, 1},
                   .message = fmt::format("line {} is {} characters long; lines are limited to {}",
                                          line, text_.size() - start, kMaxLineLength)});
      return false;
    }
    return true;
  }

  void push(TokenKind k, size_t begin, size_t end) {
    tokens_.push_back(
        Token{k, std::string(text_.substr(begin, end - begin)), loc(begin, end - begin)});
  }

  void next() {
    char c = text_[pos_];
    if (c == '\n') {
      push(TokenKind::Newline, pos_, pos_ + 1);
      ++pos_;
      ++line_;
      line_start_ = pos_;
      return;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
      return;
    }
    if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      return;
    }
    static constexpr std::pair<char, TokenKind> punct[] = {
        {'=', TokenKind::Equals},   {',', TokenKind::Comma},    {':', TokenKind::Colon},
        {'[', TokenKind::LBracket}, {']', TokenKind::RBracket}, {'(', TokenKind::LParen},
        {')', TokenKind::RParen},   {'{', TokenKind::LBrace},   {'}', TokenKind::RBrace}};
    for (auto [ch, kind] : punct)
      if (c == ch) {
        push(kind, pos_, pos_ + 1);
        ++pos_;
        return;
      }
    if (is_ident_start(c)) return ident();
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        ((c == '-' || c == '+' || c == '.') && pos_ + 1 < text_.size() &&
         (std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])) || text_[pos_ + 1] == '.')))
      return number();
    size_t n = std::max<size_t>(1, utf8_length(text_.substr(pos_)));
    error(pos_, 1, fmt::format("unexpected character '{}'", text_.substr(pos_, n)),
          "names use letters, digits, '_' and '.'; comments start with '#'");
    push(TokenKind::Invalid, pos_, pos_ + n);
    pos_ += n;
  }

  // Names may be dotted: stage2.1.conv_a.
  void ident() {
    size_t begin = pos_;
    while (pos_ < text_.size()) {
      if (is_ident_char(text_[pos_]))
        ++pos_;
      else if (text_[pos_] == '.' && pos_ + 1 < text_.size() && is_ident_char(text_[pos_ + 1]))
        ++pos_;
      else
        break;
    }
    if (pos_ - begin > kMaxNameLength) {
      error(begin, pos_ - begin,
            fmt::format("name is {} characters long; names are limited to {}", pos_ - begin,
                        kMaxNameLength));
      push(TokenKind::Invalid, begin, pos_);
      return;
    }
    push(TokenKind::Ident, begin, pos_);
  }

  void number() {
    size_t begin = pos_;
    if (text_[pos_] == '-' || text_[pos_] == '+') ++pos_;
    bool is_float = false;
    auto digits = [&] {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        is_float = true;
        digits();
      } else {
        pos_ = save;
      }
    }
    // A number glued to letters (3x3, 5a) is a typo, not two tokens.
    if (pos_ < text_.size() && (is_ident_char(text_[pos_]) || text_[pos_] == '.')) {
      size_t end = pos_;
      while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.')) ++end;
      error(begin, end - begin,
            fmt::format("malformed number '{}'", text_.substr(begin, end - begin)),
            "write a list as [3, 3], a number as 3 or 0.5 or 1e-4");
      push(TokenKind::Invalid, begin, end);
      pos_ = end;
      return;
    }
    std::string s(text_.substr(begin, pos_ - begin));
    Token t{is_float ? TokenKind::Float : TokenKind::Int, s, loc(begin, pos_ - begin)};
    if (is_float) {
      t.float_value = std::strtod(s.c_str(), nullptr);
    } else {
      const char* first = s.c_str() + (s[0] == '+' ? 1 : 0);
      auto [ptr, ec] = std::from_chars(first, s.c_str() + s.size(), t.int_value);
      if (ec != std::errc()) {
        error(begin, pos_ - begin, fmt::format("integer '{}' is out of range", s));
        t.kind = TokenKind::Invalid;
      }
    }
    tokens_.push_back(std::move(t));
  }

  const std::string& file_;
  std::string_view text_;
  DiagnosticEngine& diag_;
  std::vector<Token> tokens_;
  size_t pos_ = 0, line_start_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Token> tokenize(const std::string& file, std::string_view text,
                            DiagnosticEngine& diag) {
  return Lexer(file, text, diag).run();
}

}  // namespace cnnc::frontend
